import Foundation

/// Functions that bring values to one canonical form before they are compared, joined or
/// stored. Each returns `nil` for input it cannot read, rather than guessing.
public enum Standardise {
    /// Trims and collapses every run of whitespace (including non-breaking spaces and line
    /// breaks) to one space: `"  Ann \t Lee\n"` → `"Ann Lee"`.
    public static func whitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// Unicode normalisation (NFC) and case folding, so that visually equal strings are
    /// equal: `"STRASSE"`, `"Straße"` → `"strasse"`; a decomposed `"e\u{301}"` equals `"é"`.
    public static func caseFold(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.folding(options: [.caseInsensitive], locale: nil)
            .replacingOccurrences(of: "ß", with: "ss").lowercased()
    }

    /// Removes accents and other diacritics: `"Zoë Müller-Łukasz"` → `"Zoe Muller-Lukasz"`.
    public static func stripAccents(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.folding(options: [.diacriticInsensitive], locale: nil)
            .replacingOccurrences(of: "ł", with: "l").replacingOccurrences(of: "Ł", with: "L")
            .replacingOccurrences(of: "ø", with: "o").replacingOccurrences(of: "Ø", with: "O")
            .replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
    }

    /// An email address, trimmed and lowercased, or `nil` when it is not one: exactly one
    /// `@`, a non-empty local part without spaces, a domain with a dot and no empty label.
    /// Accepts `" Ann.Lee@Example.COM "` → `"ann.lee@example.com"`; rejects `"ann@"`,
    /// `"ann@example"`, `"a b@example.com"`, `"ann@@example.com"`, `"ann@example..com"`.
    public static func email(_ text: String) -> String? {
        ASCIIStandardise.isASCII(text) ? ASCIIStandardise.email(text) : anyEmail(text)
    }

    /// ``email(_:)`` for any text.
    static func anyEmail(_ text: String) -> String? {
        let pieces = text.split(whereSeparator: \.isWhitespace)
        guard pieces.count == 1 else { return nil }
        let trimmed = pieces[0].lowercased()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains(where: \.isWhitespace) else { return nil }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
        else { return nil }
        return trimmed
    }

    /// A country's international calling code and whether its national numbers start with a
    /// trunk `0` that the international form drops.
    public struct CallingCode: Sendable {
        /// Digits after the `+`.
        public let code: String
        /// Whether a leading 0 of a national number is dropped.
        public let dropsTrunkZero: Bool
    }

    /// Calling codes by ISO 3166 alpha-2 country code.
    public static let callingCodes: [String: CallingCode] = [
        "GB": .init(code: "44", dropsTrunkZero: true), "IE": .init(code: "353", dropsTrunkZero: true),
        "DE": .init(code: "49", dropsTrunkZero: true), "AT": .init(code: "43", dropsTrunkZero: true),
        "CH": .init(code: "41", dropsTrunkZero: true), "FR": .init(code: "33", dropsTrunkZero: true),
        "BE": .init(code: "32", dropsTrunkZero: true), "NL": .init(code: "31", dropsTrunkZero: true),
        "IT": .init(code: "39", dropsTrunkZero: false), "ES": .init(code: "34", dropsTrunkZero: false),
        "PT": .init(code: "351", dropsTrunkZero: false), "SE": .init(code: "46", dropsTrunkZero: true),
        "NO": .init(code: "47", dropsTrunkZero: false), "DK": .init(code: "45", dropsTrunkZero: false),
        "FI": .init(code: "358", dropsTrunkZero: true), "PL": .init(code: "48", dropsTrunkZero: false),
        "US": .init(code: "1", dropsTrunkZero: false), "CA": .init(code: "1", dropsTrunkZero: false),
        "AU": .init(code: "61", dropsTrunkZero: true), "NZ": .init(code: "64", dropsTrunkZero: true),
        "JP": .init(code: "81", dropsTrunkZero: true), "IN": .init(code: "91", dropsTrunkZero: true),
        "BR": .init(code: "55", dropsTrunkZero: true), "MX": .init(code: "52", dropsTrunkZero: false),
        "ZA": .init(code: "27", dropsTrunkZero: true), "CN": .init(code: "86", dropsTrunkZero: true),
    ]

    /// A phone number in E.164 (`+` and up to 15 digits), reading international forms
    /// (`+44 20 7946 0958`, `0044 20 7946 0958`) as they are and national ones in
    /// `defaultCountry`: `"020 7946 0958"` in GB → `"+442079460958"`; `"(415) 555-0132"` in
    /// US → `"+14155550132"`. Rejects letters, too few or too many digits, and countries
    /// not in ``callingCodes``.
    public static func phoneE164(_ text: String, defaultCountry: String) -> String? {
        ASCIIStandardise.isASCII(text) ? ASCIIStandardise.phoneE164(text, defaultCountry: defaultCountry)
                                       : anyPhoneE164(text, defaultCountry: defaultCountry)
    }

    /// ``phoneE164(_:defaultCountry:)`` for any text.
    static func anyPhoneE164(_ text: String, defaultCountry: String) -> String? {
        var digits = ""
        var international = false
        var started = false
        for character in text {
            if character == " " || character == "\t" { continue }
            defer { started = true }
            if character == "+" && !started { international = true; continue }
            if character.isASCII && character.isNumber { digits.append(character); continue }
            if "-.()/".contains(character) { continue }
            return nil
        }
        if !international, digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            guard let country = callingCodes[defaultCountry.uppercased()] else { return nil }
            if country.dropsTrunkZero, digits.hasPrefix("0") { digits.removeFirst() }
            if country.code == "1", digits.count == 11, digits.hasPrefix("1") { digits.removeFirst() }
            digits = country.code + digits
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }

    /// Titles and suffixes that are not part of a name.
    static let titles: Set<String> = ["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lady", "lord", "rev", "herr", "frau"]
    static let suffixes: Set<String> = ["jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"]

    /// A person's name split into given and family names: titles and suffixes dropped,
    /// "Family, Given" reordered, whitespace collapsed, case kept. `"Dr. LEE, Ann"` →
    /// `("Ann", "LEE")`; `"Mr John Ronald Smith Jr."` → `("John Ronald", "Smith")`; a single
    /// word is a family name. `nil` for nothing but titles.
    public static func personName(_ text: String) -> (given: String, family: String)? {
        if ASCIIStandardise.isASCII(text) { return ASCIIStandardise.personName(text) }
        if isLatinWithoutCombiningMarks(text) { return latinPersonName(text) }
        return anyPersonName(text)
    }

    /// Whether every scalar is below U+0300 (Latin letters with their accents precomposed) and
    /// none is a CR: then every character is one scalar, and scalars can stand for characters.
    static func isLatinWithoutCombiningMarks(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value < 0x300 && $0.value != 0x0D }
    }

    /// ``personName(_:)`` over scalars, for text where each character is one scalar: the same
    /// splits as the general form, without breaking text into characters.
    static func latinPersonName(_ text: String) -> (given: String, family: String)? {
        let scalars = text.unicodeScalars.map(\.value)
        return scalars.withUnsafeBufferPointer { units in
            ASCIIStandardise.personName(units) { words in
                var result = String.UnicodeScalarView()
                for word in words {
                    if !result.isEmpty { result.append(" ") }
                    for value in units[word] { result.append(Unicode.Scalar(value)!) }
                }
                return String(result)
            }
        }
    }

    /// ``personName(_:)`` for any text.
    static func anyPersonName(_ text: String) -> (given: String, family: String)? {
        // Plain Swift rather than Foundation's trimming: this runs once per record of a mapping.
        func words(_ part: Substring, commasSeparate: Bool = false) -> [String] {
            part.split(whereSeparator: { $0.isWhitespace || (commasSeparate && $0 == ",") }).map(String.init).filter { word in
                // Titles and suffixes are ASCII: any other word is a name.
                if !ASCIIStandardise.isASCII(word) { return true }
                var bare = Substring(word.lowercased())
                while bare.first == "." { bare.removeFirst() }
                while bare.last == "." { bare.removeLast() }
                return !bare.isEmpty && !titles.contains(String(bare)) && !suffixes.contains(String(bare))
            }
        }
        let pieces = text.split(separator: ",", maxSplits: 1)
        if pieces.count == 2 {
            let family = words(pieces[0]), given = words(pieces[1])
            if !family.isEmpty { return (given.joined(separator: " "), family.joined(separator: " ")) }
        }
        let all = words(Substring(text), commasSeparate: true)
        guard let family = all.last else { return nil }
        return (all.dropLast().joined(separator: " "), family)
    }

    /// A postcode in its country's canonical form, or `nil` when it does not have that
    /// country's shape. GB: `"sw1a1aa"` → `"SW1A 1AA"`; US: `"94105"`, `"94105-1234"`;
    /// DE, FR, ES, IT: five digits; NL: `"1012 ab"` → `"1012 AB"`; CA: `"k1a0b1"` → `"K1A 0B1"`.
    public static func postcode(_ text: String, country: String) -> String? {
        ASCIIStandardise.isASCII(text) ? ASCIIStandardise.postcode(text, country: country) : anyPostcode(text, country: country)
    }

    /// ``postcode(_:country:)`` for any text.
    static func anyPostcode(_ text: String, country: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        func matches(_ shape: String) -> Bool {
            // A: letter, 9: digit, ?: letter or digit.
            guard compact.count == shape.count else { return false }
            return zip(compact, shape).allSatisfy { character, kind in
                switch kind {
                case "A": return character.isASCII && character.isLetter
                case "9": return character.isASCII && character.isNumber
                case "?": return character.isASCII && (character.isLetter || character.isNumber)
                default: return character == kind
                }
            }
        }
        switch country.uppercased() {
        case "GB":
            guard ["A9 9AA", "A99 9AA", "AA9 9AA", "AA99 9AA", "A9A 9AA", "AA9A 9AA"]
                .contains(where: { matches($0.replacingOccurrences(of: " ", with: "")) }) else { return nil }
            return String(compact.dropLast(3)) + " " + String(compact.suffix(3))
        case "US":
            if matches("99999") { return compact }
            if matches("99999-9999") { return compact }
            return nil
        case "DE", "FR", "ES", "IT":
            return matches("99999") ? compact : nil
        case "NL":
            return matches("9999AA") ? String(compact.prefix(4)) + " " + String(compact.suffix(2)) : nil
        case "CA":
            return matches("A9A9A9") ? String(compact.prefix(3)) + " " + String(compact.suffix(3)) : nil
        default:
            return nil
        }
    }
}

/// Byte-level forms of the standardisers for text that is all ASCII — nearly every email,
/// phone number and postcode, most names — where Unicode character properties and
/// Foundation bridging cost ten times the work itself. Each gives exactly what the general
/// form in ``Standardise`` gives; `nil` from ``isASCII(_:)`` sends the text there instead.
enum ASCIIStandardise {
    @inline(__always) static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Swift's `Character.isWhitespace` for ASCII: tab, line feed, vertical tab, form feed,
    /// carriage return, space.
    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    @inline(__always) static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        byte &- 48 < 10 || (byte | 0x20) &- 97 < 26
    }

    /// ``Standardise/email(_:)`` for ASCII text.
    static func email(_ text: String) -> String? {
        var utf8 = text.utf8[...]
        while let first = utf8.first, isWhitespace(first) { utf8 = utf8.dropFirst() }
        while let last = utf8.last, isWhitespace(last) { utf8 = utf8.dropLast() }
        guard !utf8.isEmpty else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count)
        var at = -1
        for byte in utf8 {
            if isWhitespace(byte) { return nil }
            if byte == UInt8(ascii: "@") {
                guard at < 0 else { return nil }
                at = result.count
            }
            result.append(lowercased(byte))
        }
        guard at > 0, at < result.count - 1 else { return nil }
        var labels = 1, labelLength = 0
        for byte in result[(at + 1)...] {
            if byte == UInt8(ascii: ".") {
                guard labelLength > 0 else { return nil }
                labels += 1
                labelLength = 0
            } else {
                guard isLetterOrDigit(byte) || byte == UInt8(ascii: "-") else { return nil }
                labelLength += 1
            }
        }
        guard labels >= 2, labelLength > 0 else { return nil }
        return String(decoding: result, as: UTF8.self)
    }

    /// ``Standardise/phoneE164(_:defaultCountry:)`` for ASCII text.
    static func phoneE164(_ text: String, defaultCountry: String) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var international = false, started = false
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 { continue }
            defer { started = true }
            if byte == UInt8(ascii: "+"), !started { international = true; continue }
            if byte &- 48 < 10 { digits.append(byte); continue }
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "/"): continue
            default: return nil
            }
        }
        var start = 0
        if !international, digits.count >= 2, digits[0] == 48, digits[1] == 48 {
            international = true
            start = 2
        }
        var number = Array(digits[start...])
        if !international {
            guard let country = Standardise.callingCodes[defaultCountry.uppercased()] else { return nil }
            if country.dropsTrunkZero, number.first == 48 { number.removeFirst() }
            if country.code == "1", number.count == 11, number.first == 49 { number.removeFirst() }
            number = Array(country.code.utf8) + number
        }
        guard (8...15).contains(number.count), number.first != 48 else { return nil }
        return "+" + String(decoding: number, as: UTF8.self)
    }

    /// ``Standardise/personName(_:)``'s words for ASCII text: split at whitespace (and commas
    /// when asked), titles and suffixes dropped.
    static func words(_ part: Substring.UTF8View, commasSeparate: Bool) -> [Substring] {
        var words: [Substring] = []
        var index = part.startIndex
        let base = Substring(part)
        while index < part.endIndex {
            while index < part.endIndex, isWhitespace(part[index]) || (commasSeparate && part[index] == UInt8(ascii: ",")) {
                index = part.index(after: index)
            }
            let start = index
            while index < part.endIndex, !(isWhitespace(part[index]) || (commasSeparate && part[index] == UInt8(ascii: ","))) {
                index = part.index(after: index)
            }
            guard start < index else { break }
            let word = base[start..<index]
            if !isTitleOrSuffix(word.utf8) { words.append(word) }
        }
        return words
    }

    /// Whether `word`, lowercased and without leading and trailing dots, is a title or suffix
    /// (or nothing but dots).
    static func isTitleOrSuffix(_ word: Substring.UTF8View) -> Bool {
        var bare = word[...]
        while bare.first == UInt8(ascii: ".") { bare = bare.dropFirst() }
        while bare.last == UInt8(ascii: ".") { bare = bare.dropLast() }
        guard !bare.isEmpty else { return true }
        guard bare.count <= 5 else { return false }   // the longest title is five letters
        let lower = String(decoding: bare.map(lowercased), as: UTF8.self)
        return Standardise.titles.contains(lower) || Standardise.suffixes.contains(lower)
    }

    /// ``Standardise/personName(_:)`` for ASCII text.
    static func personName(_ text: String) -> (given: String, family: String)? {
        // The same pieces as the general form: empty pieces are dropped before the one split.
        let pieces = text.utf8.contains(UInt8(ascii: ",")) ? text.split(separator: ",", maxSplits: 1) : []
        if pieces.count == 2 {
            let family = words(pieces[0].utf8, commasSeparate: false), given = words(pieces[1].utf8, commasSeparate: false)
            if !family.isEmpty { return (given.joined(separator: " "), family.joined(separator: " ")) }
        }
        let all = words(Substring(text).utf8, commasSeparate: true)
        guard let family = all.last else { return nil }
        return (all.dropLast().joined(separator: " "), String(family))
    }

    /// ``Standardise/postcode(_:country:)`` for ASCII text.
    static func postcode(_ text: String, country: String) -> String? {
        var compact: [UInt8] = []
        compact.reserveCapacity(12)
        for byte in text.utf8 where !isWhitespace(byte) { compact.append(byte &- 97 < 26 ? byte & ~0x20 : byte) }
        // A: letter, 9: digit, ?: letter or digit; anything else stands for itself.
        func matches(_ shape: StaticString) -> Bool {
            guard compact.count == shape.utf8CodeUnitCount else { return false }
            return shape.withUTF8Buffer { shape in
                zip(compact, shape).allSatisfy { byte, kind in
                    switch kind {
                    case UInt8(ascii: "A"): return byte &- 65 < 26
                    case UInt8(ascii: "9"): return byte &- 48 < 10
                    case UInt8(ascii: "?"): return byte &- 65 < 26 || byte &- 48 < 10
                    default: return byte == kind
                    }
                }
            }
        }
        func spaced(_ head: Int) -> String {
            String(decoding: compact[..<head], as: UTF8.self) + " " + String(decoding: compact[head...], as: UTF8.self)
        }
        switch country.uppercased() {
        case "GB":
            guard matches("A99AA") || matches("A999AA") || matches("AA99AA") || matches("AA999AA") || matches("A9A9AA")
                    || matches("AA9A9AA") else { return nil }
            return spaced(compact.count - 3)
        case "US":
            return matches("99999") || matches("99999-9999") ? String(decoding: compact, as: UTF8.self) : nil
        case "DE", "FR", "ES", "IT":
            return matches("99999") ? String(decoding: compact, as: UTF8.self) : nil
        case "NL":
            return matches("9999AA") ? spaced(4) : nil
        case "CA":
            return matches("A9A9A9") ? spaced(3) : nil
        default:
            return nil
        }
    }
}

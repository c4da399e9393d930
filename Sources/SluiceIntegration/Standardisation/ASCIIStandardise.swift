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

    /// Titles and suffixes as lowercase bytes.
    static let titlesAndSuffixes: [[UInt8]] = (Standardise.titles.union(Standardise.suffixes)).map { Array($0.utf8) }

    /// Whether `word`, lowercased and without leading and trailing dots, is a title or suffix
    /// (or nothing but dots). Works on bytes and on scalar values alike.
    static func isTitleOrSuffix<Unit: FixedWidthInteger>(_ word: UnsafeBufferPointer<Unit>) -> Bool {
        var start = 0, end = word.count
        while start < end, word[start] == 0x2E { start += 1 }
        while end > start, word[end - 1] == 0x2E { end -= 1 }
        guard start < end else { return true }
        guard end - start <= 5 else { return false }   // the longest title is five letters
        return titlesAndSuffixes.contains { title in
            title.count == end - start && zip(title, word[start..<end]).allSatisfy { letter, unit in
                unit < 0x80 && letter == lowercased(UInt8(unit))
            }
        }
    }

    /// The word ranges of `units[range]`: split at whitespace (and commas when asked), titles
    /// and suffixes dropped. Whitespace is Swift's for characters below U+0300.
    static func words<Unit: FixedWidthInteger>(_ units: UnsafeBufferPointer<Unit>, _ range: Range<Int>,
                                               commasSeparate: Bool) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var index = range.lowerBound
        func separates(_ unit: Unit) -> Bool {
            unit == 0x20 || (unit >= 0x09 && unit <= 0x0D) || unit == 0x85 || unit == 0xA0 || (commasSeparate && unit == 0x2C)
        }
        while index < range.upperBound {
            while index < range.upperBound, separates(units[index]) { index += 1 }
            let start = index
            while index < range.upperBound, !separates(units[index]) { index += 1 }
            guard start < index else { break }
            if !isTitleOrSuffix(UnsafeBufferPointer(rebasing: units[start..<index])) { words.append(start..<index) }
        }
        return words
    }

    /// ``Standardise/personName(_:)`` over code units that each stand for one character (ASCII
    /// bytes, or the scalars of Latin text without combining marks); `text` makes a string of
    /// some of them.
    static func personName<Unit: FixedWidthInteger>(
        _ units: UnsafeBufferPointer<Unit>, text: ([Range<Int>]) -> String
    ) -> (given: String, family: String)? {
        // The same pieces as the general form's split at the first comma, which drops empty
        // pieces before counting its one split.
        var start = 0
        while start < units.count, units[start] == 0x2C { start += 1 }
        if let comma = units[start...].firstIndex(of: 0x2C), comma + 1 < units.count {
            let family = words(units, start..<comma, commasSeparate: false)
            let given = words(units, (comma + 1)..<units.count, commasSeparate: false)
            if !family.isEmpty { return (text(given), text(family)) }
        }
        let all = words(units, 0..<units.count, commasSeparate: true)
        guard !all.isEmpty else { return nil }
        return (text(Array(all.dropLast())), text(Array(all.suffix(1))))
    }

    /// ``Standardise/personName(_:)`` for ASCII text.
    static func personName(_ text: String) -> (given: String, family: String)? {
        var text = text
        return text.withUTF8 { bytes in
            personName(bytes) { words in
                var result: [UInt8] = []
                for word in words {
                    if !result.isEmpty { result.append(0x20) }
                    result.append(contentsOf: bytes[word])
                }
                return String(decoding: result, as: UTF8.self)
            }
        }
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

/// Writes a JSON string literal: quotes, and escapes for `"`, `\` and control characters.
///
/// Why it is fast: almost no text needs escaping, so the bytes are tested eight at a time for
/// the three kinds of special byte and copied in one piece; only a word that holds one is
/// looked at byte by byte.
@usableFromInline enum JSONStringEscaping {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the eight bytes of `word` is below 0x20, a quote or a backslash. It may
    /// also answer `true` for a word without one (the caller then checks each byte), never
    /// `false` for a word with one.
    @inlinable static func mayNeedEscape(_ word: UInt64) -> Bool {
        let below20 = (word &- 0x2020_2020_2020_2020) & ~word
        let quotes = word ^ 0x2222_2222_2222_2222
        let backslashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        return (below20 | zeroQuote | zeroBackslash) & highBits != 0
    }

    @inlinable static func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    /// Appends `"text"` with the escapes JSON requires.
    @usableFromInline static func write(_ text: UnsafeRawBufferPointer, to writer: inout ByteWriter) {
        writer.reserve(text.count + 2)
        writer.append(UInt8(ascii: "\""))
        // Short texts (most values and keys) are tested as one word, filled up with letters.
        if text.count < 8 {
            var word: UInt64 = 0x4141_4141_4141_4141
            if let base = text.baseAddress { withUnsafeMutableBytes(of: &word) { $0.baseAddress!.copyMemory(from: base, byteCount: text.count) } }
            if !mayNeedEscape(word) {
                writer.append(text)
                writer.append(UInt8(ascii: "\""))
                return
            }
        }
        var runStart = 0
        var index = 0
        let count = text.count
        while index < count {
            if index + 8 <= count, !mayNeedEscape(text.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = text[index]
            guard needsEscape(byte) else { index += 1; continue }
            writer.append(UnsafeRawBufferPointer(rebasing: text[runStart..<index]))
            writeEscape(byte, to: &writer)
            index += 1
            runStart = index
        }
        writer.append(UnsafeRawBufferPointer(rebasing: text[runStart..<count]))
        writer.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, to writer: inout ByteWriter) {
        switch byte {
        case 0x22: writer.append(0x5C, 0x22)
        case 0x5C: writer.append(0x5C, 0x5C)
        case 0x0A: writer.append(0x5C, UInt8(ascii: "n"))
        case 0x0D: writer.append(0x5C, UInt8(ascii: "r"))
        case 0x09: writer.append(0x5C, UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            writer.append(0x5C, UInt8(ascii: "u"))
            writer.append(0x30, 0x30)
            writer.append(hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)])
        }
    }
}

/// Turns bytes into `String`s quickly: ASCII is checked eight bytes at a time, other text is
/// validated here (the standard library's generic `String(validating:)` is several times
/// slower on short fields).
@usableFromInline enum UTF8Text {
    /// Whether every byte is below 0x80.
    @inlinable static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var combined: UInt64 = 0
        while index + 8 <= bytes.count {
            combined |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            combined |= UInt64(bytes[index])
            index += 1
        }
        return combined & 0x8080_8080_8080_8080 == 0
    }

    /// Whether `bytes` are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
    /// nothing above U+10FFFF).
    @usableFromInline static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            func continuation(_ offset: Int) -> Bool {
                index + offset < count && bytes[index + offset] & 0xC0 == 0x80
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                index += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return false }
                let second = bytes[index + 1]
                if lead == 0xE0, second < 0xA0 { return false }
                if lead == 0xED, second > 0x9F { return false }
                index += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let second = bytes[index + 1]
                if lead == 0xF0, second < 0x90 { return false }
                if lead == 0xF4, second > 0x8F { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// The text of `bytes`, or `nil` when they are not valid UTF-8.
    @inlinable static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard isASCII(bytes) || isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

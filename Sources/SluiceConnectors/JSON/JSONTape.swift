/// One parsed JSON value: its kind and where its text is. Containers record how many
/// children they have and where their subtree ends, so that lookups can skip over values.
/// An array's scalar elements have no nodes: ``JSONArrayElements`` reads them from the text.
@usableFromInline struct JSONNode {
    @usableFromInline enum Kind: UInt8 {
        case object, array, string, escapedString, number, `true`, `false`, null
    }
    @usableFromInline var kind: Kind
    /// Byte range of the value's text (for strings: between the quotes).
    @usableFromInline var start: Int32
    @usableFromInline var end: Int32
    /// Index of the first node after this value's subtree.
    @usableFromInline var next: Int32
    /// Number of members (objects) or elements (arrays).
    @usableFromInline var count: Int32
}

/// A JSON syntax error with the byte column where it was found.
@usableFromInline struct JSONSyntaxError: Error, CustomStringConvertible {
    @usableFromInline var message: String
    @usableFromInline var column: Int
    @usableFromInline init(_ message: String, column: Int) {
        self.message = message
        self.column = column
    }
    @usableFromInline var description: String { "invalid JSON at column \(column): \(message)" }
}

/// Parses one JSON text into a flat array of nodes (a "tape") in a single pass, without
/// creating strings; values are decoded later, only when asked for.
@usableFromInline struct JSONTapeParser {
    @usableFromInline static let maximumDepth = 512

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var tape: [JSONNode]

    private init(bytes: UnsafeRawBufferPointer, tape: [JSONNode]) {
        self.bytes = bytes
        self.tape = tape
    }

    /// Parses `bytes` into `tape` (cleared first, capacity kept).
    @usableFromInline static func parse(_ bytes: UnsafeRawBufferPointer, into tape: inout [JSONNode]) throws {
        tape.removeAll(keepingCapacity: true)
        // A value takes at least two bytes of text ("1,"), so this never grows while parsing:
        // no doubling copies of a huge tape. Reserved pages that are not used are not touched.
        // After one huge text the tape is let go rather than kept for every later small one.
        let bound = bytes.count / 2 + 3   // one more for a decoder's scratch node
        if tape.capacity > 65_536, tape.capacity > bound * 8 { tape = [] }
        if tape.capacity < bound { tape.reserveCapacity(bound) }
        var parser = JSONTapeParser(bytes: bytes, tape: [])
        swap(&parser.tape, &tape)
        defer { swap(&parser.tape, &tape) }
        parser.skipWhitespace()
        guard parser.index < bytes.count else { throw JSONSyntaxError("empty input", column: 1) }
        try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < bytes.count {
            throw JSONSyntaxError("unexpected \(parser.describeByte()) after the value", column: parser.index + 1)
        }
    }

    private func describeByte() -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x20, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws {
        guard index < bytes.count else { throw JSONSyntaxError("unexpected end of input", column: index + 1) }
        switch bytes[index] {
        case UInt8(ascii: "{"): try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        case UInt8(ascii: "t"): try parseLiteral("true", kind: .true)
        case UInt8(ascii: "f"): try parseLiteral("false", kind: .false)
        case UInt8(ascii: "n"): try parseLiteral("null", kind: .null)
        default: throw JSONSyntaxError("unexpected \(describeByte())", column: index + 1)
        }
    }

    private mutating func parseObject(depth: Int) throws {
        guard depth <= Self.maximumDepth else { throw JSONSyntaxError("nested deeper than \(Self.maximumDepth) levels", column: index + 1) }
        let nodeIndex = tape.count
        tape.append(JSONNode(kind: .object, start: Int32(index), end: 0, next: 0, count: 0))
        index += 1
        skipWhitespace()
        var members: Int32 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw JSONSyntaxError("expected a string key, found \(describeByte())", column: index + 1)
                }
                try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw JSONSyntaxError("expected ':' after key, found \(describeByte())", column: index + 1)
                }
                index += 1
                skipWhitespace()
                try parseValue(depth: depth)
                members += 1
                skipWhitespace()
                guard index < bytes.count else { throw JSONSyntaxError("unterminated object", column: index + 1) }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                throw JSONSyntaxError("expected ',' or '}' in object, found \(describeByte())", column: index + 1)
            }
        }
        tape[nodeIndex].end = Int32(index)
        tape[nodeIndex].count = members
        tape[nodeIndex].next = Int32(tape.count)
    }

    private mutating func parseArray(depth: Int) throws {
        guard depth <= Self.maximumDepth else { throw JSONSyntaxError("nested deeper than \(Self.maximumDepth) levels", column: index + 1) }
        let nodeIndex = tape.count
        tape.append(JSONNode(kind: .array, start: Int32(index), end: 0, next: 0, count: 0))
        index += 1
        skipWhitespace()
        var elements: Int32 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                let element = tape.count
                try parseValue(depth: depth)
                // Scalar elements are found again in the text when read (JSONArrayElements).
                if tape[element].kind != .object && tape[element].kind != .array { tape.removeLast() }
                elements += 1
                skipWhitespace()
                guard index < bytes.count else { throw JSONSyntaxError("unterminated array", column: index + 1) }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                throw JSONSyntaxError("expected ',' or ']' in array, found \(describeByte())", column: index + 1)
            }
        }
        tape[nodeIndex].end = Int32(index)
        tape[nodeIndex].count = elements
        tape[nodeIndex].next = Int32(tape.count)
    }

    /// Scans a string and checks it completely, so that no text is accepted that would fail
    /// (or be skipped) when decoded later: escapes must be JSON's, `\u` escapes must pair
    /// their surrogates, and raw bytes must be well-formed UTF-8.
    private mutating func parseString() throws {
        let open = index
        index += 1
        var escaped = false
        while index < bytes.count {
            // Plain ASCII (no quote, backslash or control character) is stepped over eight
            // bytes at a time; the word with anything else in it is looked at byte by byte.
            while index + 8 <= bytes.count {
                let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                guard word & 0x8080_8080_8080_8080 == 0, !JSONStringEscaping.mayNeedEscape(word) else { break }
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                tape.append(JSONNode(kind: escaped ? .escapedString : .string, start: Int32(open + 1),
                                     end: Int32(index), next: Int32(tape.count + 1), count: 0))
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                try parseEscape()
                continue
            }
            if byte < 0x20 { throw JSONSyntaxError("control character in string", column: index + 1) }
            if byte < 0x80 { index += 1; continue }
            try skipMultiByteScalar()
        }
        throw JSONSyntaxError("unterminated string", column: open + 1)
    }

    /// Checks one escape sequence at `index` (the backslash) and steps over it.
    private mutating func parseEscape() throws {
        let backslash = index
        guard index + 1 < bytes.count else { throw JSONSyntaxError("unterminated string", column: index + 1) }
        switch bytes[index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
        case UInt8(ascii: "u"):
            let unit = try hexEscape(at: backslash)
            index += 6
            if (0xDC00...0xDFFF).contains(unit) {
                throw JSONSyntaxError("invalid escape: lone low surrogate \\u\(String(unit, radix: 16, uppercase: true))", column: backslash + 1)
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                      case let low = try hexEscape(at: index), (0xDC00...0xDFFF).contains(low) else {
                    throw JSONSyntaxError("invalid escape: high surrogate \\u\(String(unit, radix: 16, uppercase: true)) without its low surrogate", column: backslash + 1)
                }
                index += 6
            }
        default:
            throw JSONSyntaxError("invalid escape \(describeEscape(at: backslash + 1)) in string", column: backslash + 1)
        }
    }

    /// The code unit of the `\uXXXX` escape whose backslash is at `position`.
    private func hexEscape(at position: Int) throws -> UInt32 {
        guard position + 6 <= bytes.count else { throw JSONSyntaxError("invalid escape: truncated \\u escape", column: position + 1) }
        var value: UInt32 = 0
        for offset in 2..<6 {
            guard let digit = Self.hexDigit(bytes[position + offset]) else {
                throw JSONSyntaxError("invalid escape: \\u needs four hexadecimal digits", column: position + 1)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The value of a hexadecimal digit, or `nil`.
    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }

    private func describeEscape(at position: Int) -> String {
        let byte = bytes[position]
        if byte >= 0x20, byte < 0x7F { return "'\\\(Character(Unicode.Scalar(byte)))'" }
        return "'\\' followed by byte 0x" + String(byte, radix: 16)
    }

    /// Steps over one well-formed UTF-8 sequence of two to four bytes (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF).
    private mutating func skipMultiByteScalar() throws {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: throw JSONSyntaxError("invalid UTF-8 in string (byte 0x\(String(lead, radix: 16)))", column: index + 1)
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else {
            throw JSONSyntaxError("invalid UTF-8 in string (byte 0x\(String(lead, radix: 16)))", column: index + 1)
        }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            throw JSONSyntaxError("invalid UTF-8 in string (byte 0x\(String(lead, radix: 16)))", column: index + 1)
        }
        index += length
    }

    private mutating func parseNumber() throws {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] &- 48 < 10 { index += 1 }
            return index - from
        }
        let integerDigits = digits()
        guard integerDigits > 0 else { throw JSONSyntaxError("malformed number", column: start + 1) }
        if integerDigits > 1, bytes[index - integerDigits] == UInt8(ascii: "0") {
            throw JSONSyntaxError("number with a leading zero", column: start + 1)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw JSONSyntaxError("malformed number", column: start + 1) }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw JSONSyntaxError("malformed number", column: start + 1) }
        }
        tape.append(JSONNode(kind: .number, start: Int32(start), end: Int32(index), next: Int32(tape.count + 1), count: 0))
    }

    private mutating func parseLiteral(_ literal: StaticString, kind: JSONNode.Kind) throws {
        let length = literal.utf8CodeUnitCount
        guard index + length <= bytes.count,
              memcmp(bytes.baseAddress! + index, literal.utf8Start, length) == 0 else {
            throw JSONSyntaxError("unexpected \(describeByte())", column: index + 1)
        }
        tape.append(JSONNode(kind: kind, start: Int32(index), end: Int32(index + length), next: Int32(tape.count + 1), count: 0))
        index += length
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

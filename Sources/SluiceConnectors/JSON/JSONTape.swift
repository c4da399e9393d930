/// One parsed JSON value: its kind and where its text is. Containers record how many
/// children they have and where their subtree ends, so that lookups can skip over values.
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
                try parseValue(depth: depth)
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

    private mutating func parseString() throws {
        let open = index
        index += 1
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                tape.append(JSONNode(kind: escaped ? .escapedString : .string, start: Int32(open + 1),
                                     end: Int32(index), next: Int32(tape.count + 1), count: 0))
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 2
                continue
            }
            if byte < 0x20 { throw JSONSyntaxError("control character in string", column: index + 1) }
            index += 1
        }
        throw JSONSyntaxError("unterminated string", column: open + 1)
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

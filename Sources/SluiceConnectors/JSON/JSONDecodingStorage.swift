import Foundation

/// The bytes and tape of the JSON text being decoded, shared by the decoder and its
/// containers. Reused from one record to the next, so decoding allocates almost nothing.
@usableFromInline final class JSONDecodingStorage {
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) @usableFromInline var count = 0
    @exclusivity(unchecked) @usableFromInline var tape: [JSONNode] = []
    /// Index of the node that stands for the array element being decoded when it is a scalar.
    @exclusivity(unchecked) @usableFromInline var scratch = 0
    /// Where the last key lookup succeeded: fields are usually decoded in file order.
    @exclusivity(unchecked) @usableFromInline var memberHint: Int32 = 0
    /// The object ``memberHint`` is a member position of: a hint left by a nested object lies
    /// inside the outer object's range but is not one of its members, so it must not be used
    /// there.
    @exclusivity(unchecked) @usableFromInline var memberHintObject: Int32 = -1

    @usableFromInline init() {
        capacity = 4096
        base = .allocate(byteCount: capacity, alignment: 16)
        tape.reserveCapacity(64)
    }

    deinit { base.deallocate() }

    /// Copies `bytes` in and parses them.
    @usableFromInline func load(_ bytes: UnsafeRawBufferPointer) throws {
        // Grown for a longer text; let go of after one huge text, so that it is not kept for
        // every later small one.
        if bytes.count > capacity || (capacity > 1 << 20 && bytes.count < capacity / 8) {
            base.deallocate()
            capacity = bytes.count > capacity ? max(bytes.count, capacity * 2) : max(bytes.count * 2, 4096)
            base = .allocate(byteCount: capacity, alignment: 16)
        }
        if let source = bytes.baseAddress { base.copyMemory(from: source, byteCount: bytes.count) }
        count = bytes.count
        memberHint = 0
        memberHintObject = -1
        try JSONTapeParser.parse(UnsafeRawBufferPointer(start: base, count: count), into: &tape)
        scratch = tape.count
        tape.append(JSONNode(kind: .null, start: 0, end: 0, next: 0, count: 0))
    }

    /// The text being decoded.
    @inlinable var text: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// The tape index of an array element: a container's own node, or for a scalar (which has
    /// none) the scratch node, overwritten by the next scalar. Decoding a scalar finishes
    /// before the next element is asked for, so one scratch node is enough.
    @inlinable func index(of element: JSONArrayElements.Element) -> Int {
        switch element {
        case .container(let index): return index
        case .scalar(let node):
            tape[scratch] = node
            return scratch
        }
    }

    @inlinable func bytes(of node: JSONNode) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + Int(node.start), count: Int(node.end - node.start))
    }

    /// The text of a string node, unescaped and validated as UTF-8; `nil` when invalid.
    @usableFromInline func string(of node: JSONNode) throws -> String {
        let raw = bytes(of: node)
        if node.kind == .string {
            guard let text = UTF8Text.string(raw) else {
                throw JSONSyntaxError("string is not valid UTF-8", column: Int(node.start) + 1)
            }
            return text
        }
        return try unescape(raw, column: Int(node.start) + 1)
    }

    private func unescape(_ raw: UnsafeRawBufferPointer, column: Int) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        func hex4() throws -> UInt32 {
            guard index + 4 <= raw.count else { throw JSONSyntaxError("truncated \\u escape", column: column + index) }
            var value: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = JSONTapeParser.hexDigit(raw[index + offset]) else {
                    throw JSONSyntaxError("invalid \\u escape", column: column + index)
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            guard index < raw.count else { throw JSONSyntaxError("dangling backslash", column: column + index) }
            let escape = raw[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 2 <= raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError("unpaired surrogate in \\u escape", column: column + index)
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONSyntaxError("unpaired surrogate in \\u escape", column: column + index)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else {
                    throw JSONSyntaxError("invalid \\u escape", column: column + index)
                }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw JSONSyntaxError("invalid escape '\\\(Character(Unicode.Scalar(escape)))'", column: column + index)
            }
        }
        guard let text = out.withUnsafeBytes(UTF8Text.string) else {
            throw JSONSyntaxError("string is not valid UTF-8", column: column)
        }
        return text
    }

    /// The decoder for the top-level value, reused from one record to the next.
    @usableFromInline var rootDecoder: JSONValueDecoder {
        if let made = reusedRootDecoder { return made }
        let made = JSONValueDecoder(storage: self, node: 0, codingPath: [])
        reusedRootDecoder = made
        return made
    }
    @usableFromInline var reusedRootDecoder: JSONValueDecoder?
    /// The top-level object's keyed container, reused from one record to the next.
    @usableFromInline var rootContainers = ReusedKeyedContainer()

    /// Lets go of the reused decoder and container, which refer back to this storage.
    @usableFromInline func releaseReused() {
        reusedRootDecoder = nil
        rootContainers = ReusedKeyedContainer()
    }

    /// Whether the key node's text equals `name`.
    @inlinable func key(_ node: JSONNode, equals name: inout String) -> Bool {
        if node.kind == .escapedString { return (try? string(of: node)) == name }
        let raw = bytes(of: node)
        return name.withUTF8 { utf8 in
            utf8.count == raw.count && (raw.count == 0 || memcmp(utf8.baseAddress!, raw.baseAddress!, raw.count) == 0)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

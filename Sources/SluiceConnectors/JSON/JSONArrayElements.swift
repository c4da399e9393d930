/// Walks the elements of an array on a JSON tape.
///
/// The tape keeps nodes for an array's nested objects and arrays only: scalar elements are
/// found again in the already validated text when they are read. A long array of numbers
/// (`[1,1,1,…]`) then costs no tape memory at all, where a node per element would take ten
/// times the text.
@usableFromInline struct JSONArrayElements {
    /// One element: a nested container on the tape, or a scalar found in the text.
    @usableFromInline enum Element {
        case container(Int)
        case scalar(JSONNode)
    }

    /// Byte offset from which the next element is searched.
    private var position: Int
    /// Tape index of the next nested container.
    private var nextContainer: Int
    private var first = true

    /// The elements of the array whose node is at `array`.
    @usableFromInline init(array: Int, in tape: [JSONNode]) {
        position = Int(tape[array].start) + 1
        nextContainer = array + 1
    }

    /// The next element, without moving past it. Call only while elements remain.
    @usableFromInline func peek(_ bytes: UnsafeRawBufferPointer, _ tape: [JSONNode]) -> Element {
        var copy = self
        return copy.next(bytes, tape)
    }

    /// The next element. Call only while elements remain (the array node's `count` says how
    /// many there are): the text was validated when the tape was built.
    @usableFromInline mutating func next(_ bytes: UnsafeRawBufferPointer, _ tape: [JSONNode]) -> Element {
        skipWhitespace(bytes)
        if !first {
            position += 1   // the ',' between elements
            skipWhitespace(bytes)
        }
        first = false
        let start = position
        switch bytes[start] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let index = nextContainer
            nextContainer = Int(tape[index].next)
            position = Int(tape[index].end)
            return .container(index)
        case UInt8(ascii: "\""):
            var end = start + 1, escaped = false
            while bytes[end] != UInt8(ascii: "\"") {
                if bytes[end] == UInt8(ascii: "\\") { escaped = true; end += 2 } else { end += 1 }
            }
            position = end + 1
            return .scalar(JSONNode(kind: escaped ? .escapedString : .string, start: Int32(start + 1), end: Int32(end),
                                    next: 0, count: 0))
        case UInt8(ascii: "t"): return literal(.true, length: 4)
        case UInt8(ascii: "f"): return literal(.false, length: 5)
        case UInt8(ascii: "n"): return literal(.null, length: 4)
        default:
            var end = start + 1
            while end < bytes.count, Self.isNumberByte(bytes[end]) { end += 1 }
            position = end
            return .scalar(JSONNode(kind: .number, start: Int32(start), end: Int32(end), next: 0, count: 0))
        }
    }

    private mutating func literal(_ kind: JSONNode.Kind, length: Int) -> Element {
        let start = position
        position += length
        return .scalar(JSONNode(kind: kind, start: Int32(start), end: Int32(position), next: 0, count: 0))
    }

    private mutating func skipWhitespace(_ bytes: UnsafeRawBufferPointer) {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        byte &- 48 < 10 || byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }
}

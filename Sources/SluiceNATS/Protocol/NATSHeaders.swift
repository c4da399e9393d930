import Foundation

/// The headers of a NATS message: an optional status (JetStream answers with `404 No
/// Messages`, `408 Request Timeout`, …) and name–value pairs in order. A name may repeat.
public struct NATSHeaders: Sendable, Equatable {
    /// The status code of the header block's first line, if it has one.
    public var status: Int?
    /// The status line's description after the code.
    public var statusDescription: String
    /// The fields, in order.
    public var fields: [(name: String, value: String)]

    /// Headers with `fields` and no status.
    public init(_ fields: [(name: String, value: String)] = []) {
        self.status = nil
        self.statusDescription = ""
        self.fields = fields
    }

    /// The first value of `name` (exact spelling first, then ignoring case).
    public subscript(name: String) -> String? {
        if let exact = fields.first(where: { $0.name == name }) { return exact.value }
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Adds a field; names and values must not contain line breaks (and names no `:`).
    public mutating func append(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    public static func == (lhs: NATSHeaders, rhs: NATSHeaders) -> Bool {
        lhs.status == rhs.status && lhs.statusDescription == rhs.statusDescription
            && lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    /// The header block as sent: `NATS/1.0\r\n`, each field, and an empty line.
    func encoded() throws -> [UInt8] {
        var bytes = Array("NATS/1.0\r\n".utf8)
        for (name, value) in fields {
            guard !name.isEmpty, !name.utf8.contains(where: { $0 == 0x3A || $0 <= 0x20 || $0 == 0x7F }) else {
                throw NATSError.invalidArgument("header name '\(name)' is empty or holds ':', a space or a control character")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
                throw NATSError.invalidArgument("the value of header '\(name)' holds a line break")
            }
            bytes += name.utf8
            bytes += [0x3A, 0x20]
            bytes += value.utf8
            bytes += [0x0D, 0x0A]
        }
        bytes += [0x0D, 0x0A]
        return bytes
    }

    /// Parses a header block as received (from `NATS/1.0` to the empty line). Byte by byte:
    /// every message a stream stored with a message id carries one, so this is on the path of
    /// every message read.
    static func decode(_ block: ArraySlice<UInt8>) throws -> NATSHeaders {
        let carriageReturn: UInt8 = 0x0D, lineFeed: UInt8 = 0x0A
        // The lines between CR LF pairs; the block ends with an empty line, so the last two
        // pieces are empty.
        var lines: [Range<Int>] = []
        var lineStart = block.startIndex
        var index = block.startIndex
        while index + 1 < block.endIndex {
            if block[index] == carriageReturn, block[index + 1] == lineFeed {
                lines.append(lineStart..<index)
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        lines.append(lineStart..<block.endIndex)
        guard lines.count >= 3, lines[lines.count - 1].isEmpty, lines[lines.count - 2].isEmpty else {
            throw NATSError.protocolViolation("a message's header block does not end with an empty line")
        }
        let version = Array("NATS/1.0".utf8)
        let first = block[lines[0]]
        guard first.starts(with: version) else {
            let shown = String(decoding: first.prefix(20), as: UTF8.self)
            throw NATSError.protocolViolation("a message's header block starts with '\(shown)', not NATS/1.0")
        }
        var headers = NATSHeaders()
        let statusText = trimmed(first.dropFirst(version.count))
        if !statusText.isEmpty {
            let space = statusText.firstIndex(of: 0x20) ?? statusText.endIndex
            let digits = statusText[..<space]
            guard digits.count == 3, digits.allSatisfy({ (0x30...0x39).contains($0) }), digits.first != 0x30 else {
                throw NATSError.protocolViolation("a message's status '\(String(decoding: statusText.prefix(20), as: UTF8.self))' is not a three-digit code")
            }
            headers.status = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            headers.statusDescription = try text(trimmedLeading(statusText[space...]))
        }
        headers.fields.reserveCapacity(lines.count - 3)
        for line in lines[1..<(lines.count - 2)] {
            let bytes = block[line]
            guard let colon = bytes.firstIndex(of: 0x3A), colon != bytes.startIndex else {
                throw NATSError.protocolViolation("a message's header line '\(String(decoding: bytes.prefix(40), as: UTF8.self))' has no name")
            }
            headers.fields.append((try text(bytes[..<colon]), try text(trimmed(bytes[(colon + 1)...]))))
        }
        return headers
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    private static func trimmedLeading(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        bytes.drop(while: isBlank)
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let leading = bytes.drop(while: isBlank)
        guard let last = leading.lastIndex(where: { !isBlank($0) }) else { return leading[leading.endIndex...] }
        return leading[...last]
    }

    private static func text(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NATSError.protocolViolation("a message's headers are not valid UTF-8")
        }
        return text
    }
}

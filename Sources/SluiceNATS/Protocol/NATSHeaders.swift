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

    /// Parses a header block as received (from `NATS/1.0` to the empty line).
    static func decode(_ block: ArraySlice<UInt8>) throws -> NATSHeaders {
        guard let text = String(validating: block, as: UTF8.self) else {
            throw NATSError.protocolViolation("a message's headers are not valid UTF-8")
        }
        var lines = text.components(separatedBy: "\r\n")
        guard lines.count >= 3, lines.last == "", lines[lines.count - 2] == "" else {
            throw NATSError.protocolViolation("a message's header block does not end with an empty line")
        }
        lines.removeLast(2)
        let first = lines.removeFirst()
        guard first.hasPrefix("NATS/1.0") else {
            throw NATSError.protocolViolation("a message's header block starts with '\(first.prefix(20))', not NATS/1.0")
        }
        var headers = NATSHeaders()
        let statusText = first.dropFirst("NATS/1.0".count).trimmingCharacters(in: .whitespaces)
        if !statusText.isEmpty {
            let parts = statusText.split(separator: " ", maxSplits: 1)
            guard let code = Int(parts[0]), (100...999).contains(code) else {
                throw NATSError.protocolViolation("a message's status '\(statusText.prefix(20))' is not a three-digit code")
            }
            headers.status = code
            headers.statusDescription = parts.count > 1 ? String(parts[1]) : ""
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw NATSError.protocolViolation("a message's header line '\(line.prefix(40))' has no name")
            }
            headers.fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return headers
    }
}

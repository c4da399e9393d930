/// Cuts the bytes the server sends into messages, however they arrive: a message split over
/// reads waits for the rest; several in one read come out one by one. A length that cannot
/// be right is an error at once, before any buffering.
public struct BackendMessageReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0

    /// The largest message accepted: PostgreSQL's own limit for a field is 1 GiB.
    public static let maximumLength = 1 << 30

    /// An empty reader.
    public init() {}

    /// Whether bytes of a message not yet returned are held.
    public var hasBufferedBytes: Bool { buffer.count > start }

    /// Adds bytes received from the server.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, or `nil` until more bytes arrive.
    public mutating func next() throws -> BackendMessage? {
        guard buffer.count - start >= 5 else { return nil }
        let type = buffer[start]
        let length = Int(Int32(bitPattern: UInt32(buffer[start + 1]) << 24 | UInt32(buffer[start + 2]) << 16
                               | UInt32(buffer[start + 3]) << 8 | UInt32(buffer[start + 4])))
        guard length >= 4, length <= Self.maximumLength else {
            throw PostgresProtocolError("the server sent a \(MessageReader.describe(type)) message of impossible length \(length)")
        }
        guard buffer.count - start >= 1 + length else { return nil }
        let body = Array(buffer[(start + 5)..<(start + 1 + length)])
        start += 1 + length
        if start > 65_536, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return try BackendMessage.decode(type: type, body: body)
    }

    /// Bytes received but not yet a whole message.
    public var pendingByteCount: Int { buffer.count - start }
}

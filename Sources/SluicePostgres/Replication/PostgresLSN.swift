/// A position in PostgreSQL's write-ahead log (a log sequence number), written `16/B374D848`:
/// the high and low 32 bits in hexadecimal.
public struct PostgresLSN: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The position as one number.
    public var value: UInt64

    /// The position `value`.
    public init(_ value: UInt64) { self.value = value }

    /// The position `text` spells (`16/B374D848`), or `nil` when it is not one.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...8).contains(parts[0].count), (1...8).contains(parts[1].count),
              let high = UInt32(parts[0], radix: 16), let low = UInt32(parts[1], radix: 16) else { return nil }
        value = UInt64(high) << 32 | UInt64(low)
    }

    /// The start of the log.
    public static let zero = PostgresLSN(0)

    /// `16/B374D848`.
    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (left: PostgresLSN, right: PostgresLSN) -> Bool { left.value < right.value }
}

extension PostgresLSN {
    /// Reads the text form (`16/B374D848`), as PostgreSQL and ``encode(to:)`` write it.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let lsn = PostgresLSN(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a log position like 16/B374D848"))
        }
        self = lsn
    }

    /// Writes the text form (`16/B374D848`), as PostgreSQL shows it.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

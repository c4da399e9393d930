import Foundation

/// A point in event time: milliseconds since 1970-01-01T00:00:00Z.
///
/// `Timestamp.min` and `Timestamp.max` stand for minus and plus infinity: a bounded source
/// ends with a watermark of `.max`, which closes every window.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var millisecondsSinceEpoch: Int64

    /// A timestamp `milliseconds` after the Unix epoch.
    @inlinable public init(millisecondsSinceEpoch milliseconds: Int64) {
        self.millisecondsSinceEpoch = milliseconds
    }

    /// Minus infinity: before every event.
    public static let min = Timestamp(millisecondsSinceEpoch: .min)
    /// Plus infinity: after every event; the final watermark of a bounded source.
    public static let max = Timestamp(millisecondsSinceEpoch: .max)

    @inlinable public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public var description: String {
        switch self {
        case .min: return "-inf"
        case .max: return "+inf"
        default: return "\(millisecondsSinceEpoch)ms"
        }
    }
}

extension Timestamp: Codable {
    /// Decodes milliseconds since the epoch.
    public init(from decoder: any Decoder) throws {
        self.init(millisecondsSinceEpoch: try decoder.singleValueContainer().decode(Int64.self))
    }

    /// Encodes milliseconds since the epoch.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(millisecondsSinceEpoch)
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded towards zero.
    @inlinable public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension Timestamp {
    /// The instant as a `Date`.
    @inlinable public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }
}

/// The aggregate of one key's elements in one window.
public struct WindowResult<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Why a result was emitted.
    public enum Firing: String, Sendable, Hashable, Codable {
        /// A partial result before the window closed, from an early trigger; more follow.
        case early
        /// The result when the watermark passed the window's end.
        case onTime
        /// A corrected result after a late element (within the allowed lateness) changed the
        /// window; it replaces the earlier results.
        case late
    }

    /// The key.
    public var key: Key
    /// The window's first instant.
    public var start: Timestamp
    /// The instant just after the window (windows are `[start, end)`).
    public var end: Timestamp
    /// The aggregations' result.
    public var value: Value
    /// Why the result was emitted.
    public var firing: Firing

    /// `true` for a result that replaces an earlier one for the same window.
    public var isUpdate: Bool { firing == .late }

    /// Creates a result.
    @inlinable public init(key: Key, start: Timestamp, end: Timestamp, value: Value, firing: Firing) {
        self.key = key
        self.start = start
        self.end = end
        self.value = value
        self.firing = firing
    }
}

extension WindowResult: Equatable where Value: Equatable {}
extension WindowResult: Encodable where Key: Encodable, Value: Encodable {}
extension WindowResult: Decodable where Key: Decodable, Value: Decodable {}

/// When a window emits results before the watermark closes it.
public struct EarlyFiring: Sendable, Hashable {
    @usableFromInline enum Kind: Sendable, Hashable {
        case everyElements(Int)
        case everyInterval(Int64)
    }
    @usableFromInline let kind: Kind

    /// A partial result each time a window has received `count` more elements.
    public static func everyElements(_ count: Int) -> EarlyFiring { EarlyFiring(kind: .everyElements(count)) }

    /// A partial result for every window that changed, each `interval` of processing time.
    public static func every(_ interval: Duration) -> EarlyFiring { EarlyFiring(kind: .everyInterval(interval.wholeMilliseconds)) }

    @usableFromInline var problem: String? {
        switch kind {
        case .everyElements(let count) where count < 1: return "early firing needs a count of at least 1"
        case .everyInterval(let interval) where interval < 1: return "early firing needs a positive interval"
        default: return nil
        }
    }
}

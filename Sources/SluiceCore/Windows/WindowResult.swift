/// The aggregate of one key's elements in one window.
public struct WindowResult<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The key.
    public var key: Key
    /// The window's first instant.
    public var start: Timestamp
    /// The instant just after the window (windows are `[start, end)`).
    public var end: Timestamp
    /// The aggregations' result.
    public var value: Value
    /// `true` when the window had already been emitted and a late element (within the allowed
    /// lateness) changed it: this result replaces the earlier one.
    public var isUpdate: Bool

    /// Creates a result.
    @inlinable public init(key: Key, start: Timestamp, end: Timestamp, value: Value, isUpdate: Bool) {
        self.key = key
        self.start = start
        self.end = end
        self.value = value
        self.isUpdate = isUpdate
    }
}

extension WindowResult: Equatable where Value: Equatable {}
extension WindowResult: Encodable where Key: Encodable, Value: Encodable {}

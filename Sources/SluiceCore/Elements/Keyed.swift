/// An element together with the key that partitions it, as produced by ``KeyBy``.
///
/// Every element with the same key reaches the same instance of the next stage, in the order
/// it was produced.
public struct Keyed<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The partitioning key.
    public var key: Key
    /// The element.
    public var value: Value

    /// Pairs `value` with `key`.
    @inlinable public init(key: Key, value: Value) {
        self.key = key
        self.value = value
    }
}

extension Keyed: Equatable where Value: Equatable {}
extension Keyed: Hashable where Value: Hashable {}
extension Keyed: Encodable where Key: Encodable, Value: Encodable {}
extension Keyed: Decodable where Key: Decodable, Value: Decodable {}

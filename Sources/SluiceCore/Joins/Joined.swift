/// Which elements a join emits.
public enum JoinKind: Sendable, Hashable {
    /// Only elements with a match on the other side.
    case inner
    /// Every left element; `right` is `nil` when nothing matched.
    case left
}

/// One result of a join: a left element and its match (`nil` in a left join without one).
public struct Joined<Key: Hashable & Sendable, Left: Sendable, Right: Sendable>: Sendable {
    /// The key both sides share.
    public var key: Key
    /// The left element.
    public var left: Left
    /// The matching right element, if any.
    public var right: Right?

    /// Creates a result.
    @inlinable public init(key: Key, left: Left, right: Right?) {
        self.key = key
        self.left = left
        self.right = right
    }
}

extension Joined: Equatable where Left: Equatable, Right: Equatable {}
extension Joined: Encodable where Key: Encodable, Left: Encodable, Right: Encodable {}

/// Which elements an inner or left join emits; its results are ``Joined`` values, whose
/// left side is always there.
public enum JoinKind: Sendable, Hashable {
    /// Only elements with a match on the other side.
    case inner
    /// Every left element; `right` is `nil` when nothing matched.
    case left

    /// The unmatched elements this kind keeps.
    @inlinable public var sides: JoinSides { JoinSides(keepsUnmatchedLeft: self == .left, keepsUnmatchedRight: false) }
}

/// Which elements a right or full outer join emits; its results are ``OuterJoined`` values,
/// where either side may be missing.
public enum OuterJoinKind: Sendable, Hashable {
    /// Every right element; `left` is `nil` when nothing matched.
    case right
    /// Every element of both sides; the side without a match is `nil`.
    case full

    /// The unmatched elements this kind keeps.
    @inlinable public var sides: JoinSides { JoinSides(keepsUnmatchedLeft: self == .full, keepsUnmatchedRight: true) }
}

/// The unmatched elements a join emits beside its matches.
public struct JoinSides: Sendable, Hashable, CustomStringConvertible {
    /// Left elements without a match are emitted, with no right side.
    public var keepsUnmatchedLeft: Bool
    /// Right elements without a match are emitted, with no left side.
    public var keepsUnmatchedRight: Bool

    /// The sides to keep.
    @inlinable public init(keepsUnmatchedLeft: Bool, keepsUnmatchedRight: Bool) {
        self.keepsUnmatchedLeft = keepsUnmatchedLeft
        self.keepsUnmatchedRight = keepsUnmatchedRight
    }

    /// `inner`, `left`, `right` or `full`.
    public var description: String {
        switch (keepsUnmatchedLeft, keepsUnmatchedRight) {
        case (false, false): return "inner"
        case (true, false): return "left"
        case (false, true): return "right"
        case (true, true): return "full"
        }
    }
}

/// What a join emits: ``Joined`` for inner and left joins, ``OuterJoined`` for right and full
/// outer joins.
public protocol JoinResult<Key, Left, Right>: Sendable {
    /// The key both sides share.
    associatedtype Key: Hashable & Sendable
    /// The left side's elements.
    associatedtype Left: Sendable
    /// The right side's elements.
    associatedtype Right: Sendable

    /// A result of `left` and `right` under `key`; `nil` when the type cannot hold a missing
    /// side (a join only asks for one its kind allows).
    init?(key: Key, left: Left?, right: Right?)
}

/// One result of an inner or left join: a left element and its match (`nil` in a left join
/// without one).
public struct Joined<Key: Hashable & Sendable, Left: Sendable, Right: Sendable>: JoinResult {
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

    /// A result with a left element; `nil` without one.
    @inlinable public init?(key: Key, left: Left?, right: Right?) {
        guard let left else { return nil }
        self.init(key: key, left: left, right: right)
    }
}

extension Joined: Equatable where Left: Equatable, Right: Equatable {}
extension Joined: Hashable where Left: Hashable, Right: Hashable {}
extension Joined: Encodable where Key: Encodable, Left: Encodable, Right: Encodable {}
extension Joined: Decodable where Key: Decodable, Left: Decodable, Right: Decodable {}

/// One result of a right or full outer join: the elements of both sides that matched, or the
/// one side that had no match (the other `nil`).
public struct OuterJoined<Key: Hashable & Sendable, Left: Sendable, Right: Sendable>: JoinResult {
    /// The key both sides share.
    public var key: Key
    /// The left element, if any.
    public var left: Left?
    /// The right element, if any.
    public var right: Right?

    /// Creates a result; at least one side is there.
    @inlinable public init(key: Key, left: Left?, right: Right?) {
        self.key = key
        self.left = left
        self.right = right
    }
}

extension OuterJoined: Equatable where Left: Equatable, Right: Equatable {}
extension OuterJoined: Hashable where Left: Hashable, Right: Hashable {}
extension OuterJoined: Encodable where Key: Encodable, Left: Encodable, Right: Encodable {}
extension OuterJoined: Decodable where Key: Decodable, Left: Decodable, Right: Decodable {}

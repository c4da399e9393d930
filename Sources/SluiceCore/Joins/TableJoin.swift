/// Joins a keyed stream with a table built from another keyed input: a **hash join** (every
/// right element with the key matches) or an **enrichment** (the latest right element per
/// key matches, as in a changelog).
///
/// Left elements wait until the right input has ended when `waitForTable` is true (the
/// default, for tables read from bounded sources), so no element misses a row that arrives
/// later; otherwise they are matched against the table as it is when they arrive. In a right
/// or full join, the rows of keys that no left element asked for are emitted (with no left
/// side) when both inputs have ended.
///
/// Create it with ``KeyBy/join(_:kind:)`` or ``KeyBy/enrich(with:kind:waitForTable:)``.
public struct TableJoin<Key: Hashable & Sendable, LeftValue: Sendable, RightValue: Sendable,
                        Result: JoinResult>: BinaryStage
where Result.Key == Key, Result.Left == LeftValue, Result.Right == RightValue {
    /// Keyed left elements.
    public typealias Input = Keyed<Key, LeftValue>
    /// Join results.
    public typealias Output = Result
    /// What matches a left element.
    public enum Matches: Sendable, Hashable {
        /// Every right element with the key (a hash join).
        case all
        /// The latest right element with the key (a lookup in a changelog).
        case latest
    }

    /// Settings changed by modifiers.
    public var settings = StageSettings()
    /// The flow producing the keyed right input.
    public let right: Flow<Never, Keyed<Key, RightValue>>
    @usableFromInline let sides: JoinSides
    @usableFromInline let matches: Matches
    @usableFromInline let waitForTable: Bool

    /// A table join keeping the unmatched elements of `sides`.
    @inlinable public init(right: Flow<Never, Keyed<Key, RightValue>>, sides: JoinSides, matches: Matches, waitForTable: Bool) {
        self.right = right
        self.sides = sides
        self.matches = matches
        self.waitForTable = waitForTable
    }

    /// `join` or `enrich`.
    public var defaultName: String { matches == .all ? "join" : "enrich" }
    /// The kind.
    public var detail: String { "\(sides) \(matches == .all ? "hash join" : "latest per key")" }

    /// Creates an instance with an empty table.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(stage: self) }

    /// The running form of ``TableJoin``.
    public struct Operator: BinaryOperator {
        @usableFromInline let stage: TableJoin
        @usableFromInline var table: [Key: [RightValue]] = [:]
        @usableFromInline var waiting: [Keyed<Key, LeftValue>] = []
        @usableFromInline var tableComplete = false
        /// Keys some left element asked for: in a right or full join, the rows of the other
        /// keys are emitted unmatched at the end.
        @usableFromInline var askedFor: Set<Key> = []

        @inlinable init(stage: TableJoin) { self.stage = stage }

        @inlinable func emit(_ key: Key, _ left: LeftValue?, _ right: RightValue?, into output: inout Emitter<Result>) {
            if let result = Result(key: key, left: left, right: right) { output.emit(result) }
        }

        @inlinable mutating func emitMatches(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Result>) {
            if stage.sides.keepsUnmatchedRight { askedFor.insert(element.key) }
            let rows = table[element.key] ?? []
            if rows.isEmpty {
                if stage.sides.keepsUnmatchedLeft { emit(element.key, element.value, nil, into: &output) }
                return
            }
            for row in rows { emit(element.key, element.value, row, into: &output) }
        }

        /// Matches the element now, or keeps it until the table is complete.
        @inlinable public mutating func processLeft(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Result>) {
            if stage.waitForTable && !tableComplete {
                waiting.append(element)
            } else {
                emitMatches(element, into: &output)
            }
        }

        /// Adds a row to the table.
        @inlinable public mutating func processRight(_ element: Keyed<Key, RightValue>, into output: inout Emitter<Result>) {
            switch stage.matches {
            case .all: table[element.key, default: []].append(element.value)
            case .latest: table[element.key] = [element.value]
            }
        }

        /// The table is complete: matches every waiting element.
        @inlinable public mutating func endRight(into output: inout Emitter<Result>) {
            tableComplete = true
            for element in waiting { emitMatches(element, into: &output) }
            waiting.removeAll()
        }

        /// In a right or full join: the rows no left element asked for, unmatched.
        @inlinable public mutating func finish(into output: inout Emitter<Result>) {
            guard stage.sides.keepsUnmatchedRight else { return }
            for (key, rows) in table where !askedFor.contains(key) {
                for row in rows { emit(key, nil, row, into: &output) }
            }
            table = [:]
        }
    }
}

extension KeyBy {
    /// Keys the stream and joins it with every right element of the same key (a hash join).
    /// Left elements wait until the right input has ended, so the right side should be
    /// bounded.
    ///
    /// ```swift
    /// KeyBy(\Order.customer).join(Flow("customers") {
    ///     Source.csv("customers.csv", as: Customer.self)
    ///     KeyBy(\Customer.id)
    /// }, kind: .left)                                   // → Joined<String, Order, Customer>
    /// ```
    @inlinable public func join<Right: Sendable>(_ right: Flow<Never, Keyed<Key, Right>>, kind: JoinKind = .inner)
        -> KeyedStage<Key, Element, TableJoin<Key, Element, Right, Joined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: TableJoin(right: right, sides: kind.sides, matches: .all, waitForTable: true))
    }

    /// A right or full outer hash join: also every right element whose key no left element
    /// has, with `left` `nil` (emitted when both inputs have ended).
    ///
    /// ```swift
    /// KeyBy(\Order.customer).join(Flow { customers; KeyBy(\Customer.id) }, kind: .full)
    ///                                                   // → OuterJoined<String, Order, Customer>
    /// ```
    @inlinable public func join<Right: Sendable>(_ right: Flow<Never, Keyed<Key, Right>>, kind: OuterJoinKind)
        -> KeyedStage<Key, Element, TableJoin<Key, Element, Right, OuterJoined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: TableJoin(right: right, sides: kind.sides, matches: .all, waitForTable: true))
    }

    /// Keys the stream and enriches each element with the latest right element of its key,
    /// the right input being a table or a changelog of one. With `waitForTable` (the default)
    /// left elements wait until the right input has ended.
    @inlinable public func enrich<Right: Sendable>(with right: Flow<Never, Keyed<Key, Right>>, kind: JoinKind = .left,
                                                   waitForTable: Bool = true)
        -> KeyedStage<Key, Element, TableJoin<Key, Element, Right, Joined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: TableJoin(right: right, sides: kind.sides, matches: .latest, waitForTable: waitForTable))
    }

    /// An enrichment that also emits the table's rows no left element asked for (`.right`,
    /// `.full`), when both inputs have ended.
    @inlinable public func enrich<Right: Sendable>(with right: Flow<Never, Keyed<Key, Right>>, kind: OuterJoinKind,
                                                   waitForTable: Bool = true)
        -> KeyedStage<Key, Element, TableJoin<Key, Element, Right, OuterJoined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: TableJoin(right: right, sides: kind.sides, matches: .latest, waitForTable: waitForTable))
    }

    /// Keys the stream and joins it with another keyed stream within event-time tumbling
    /// windows of `size`.
    @inlinable public func windowJoin<Right: Sendable>(
        _ right: Flow<Never, Keyed<Key, Right>>, window size: Duration, kind: JoinKind = .inner,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> KeyedStage<Key, Element, WindowJoin<Key, Element, Right, Joined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: WindowJoin(right: right, size: size, sides: kind.sides, leftTime: leftTime, rightTime: rightTime))
    }

    /// A right or full outer windowed join: a window's elements of one side without any of
    /// the other are emitted alone when the window closes.
    @inlinable public func windowJoin<Right: Sendable>(
        _ right: Flow<Never, Keyed<Key, Right>>, window size: Duration, kind: OuterJoinKind,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> KeyedStage<Key, Element, WindowJoin<Key, Element, Right, OuterJoined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: WindowJoin(right: right, size: size, sides: kind.sides, leftTime: leftTime, rightTime: rightTime))
    }
}

/// Joins a keyed stream with a table built from another keyed input: a **hash join** (every
/// right element with the key matches) or an **enrichment** (the latest right element per
/// key matches, as in a changelog).
///
/// Left elements wait until the right input has ended when `waitForTable` is true (the
/// default, for tables read from bounded sources), so no element misses a row that arrives
/// later; otherwise they are matched against the table as it is when they arrive.
///
/// Create it with ``KeyBy/join(_:kind:)`` or ``KeyBy/enrich(with:kind:waitForTable:)``.
public struct TableJoin<Key: Hashable & Sendable, LeftValue: Sendable, RightValue: Sendable>: BinaryStage {
    /// Keyed left elements.
    public typealias Input = Keyed<Key, LeftValue>
    /// Join results.
    public typealias Output = Joined<Key, LeftValue, RightValue>
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
    @usableFromInline let kind: JoinKind
    @usableFromInline let matches: Matches
    @usableFromInline let waitForTable: Bool

    /// A table join.
    @inlinable public init(right: Flow<Never, Keyed<Key, RightValue>>, kind: JoinKind, matches: Matches, waitForTable: Bool) {
        self.right = right
        self.kind = kind
        self.matches = matches
        self.waitForTable = waitForTable
    }

    /// `join` or `enrich`.
    public var defaultName: String { matches == .all ? "join" : "enrich" }
    /// The kind.
    public var detail: String { "\(kind) \(matches == .all ? "hash join" : "latest per key")" }

    /// Creates an instance with an empty table.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(stage: self) }

    /// The running form of ``TableJoin``.
    public struct Operator: BinaryOperator {
        @usableFromInline let stage: TableJoin
        @usableFromInline var table: [Key: [RightValue]] = [:]
        @usableFromInline var waiting: [Keyed<Key, LeftValue>] = []
        @usableFromInline var tableComplete = false

        @inlinable init(stage: TableJoin) { self.stage = stage }

        @inlinable mutating func emitMatches(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            let rows = table[element.key] ?? []
            if rows.isEmpty {
                if stage.kind == .left { output.emit(Joined(key: element.key, left: element.value, right: nil)) }
                return
            }
            for row in rows { output.emit(Joined(key: element.key, left: element.value, right: row)) }
        }

        /// Matches the element now, or keeps it until the table is complete.
        @inlinable public mutating func processLeft(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            if stage.waitForTable && !tableComplete {
                waiting.append(element)
            } else {
                emitMatches(element, into: &output)
            }
        }

        /// Adds a row to the table.
        @inlinable public mutating func processRight(_ element: Keyed<Key, RightValue>, into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            switch stage.matches {
            case .all: table[element.key, default: []].append(element.value)
            case .latest: table[element.key] = [element.value]
            }
        }

        /// The table is complete: matches every waiting element.
        @inlinable public mutating func endRight(into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            tableComplete = true
            for element in waiting { emitMatches(element, into: &output) }
            waiting.removeAll()
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
        -> KeyedStage<Key, Element, TableJoin<Key, Element, Right>> {
        KeyedStage(keyBy: self, stage: TableJoin(right: right, kind: kind, matches: .all, waitForTable: true))
    }

    /// Keys the stream and enriches each element with the latest right element of its key,
    /// the right input being a table or a changelog of one. With `waitForTable` (the default)
    /// left elements wait until the right input has ended.
    @inlinable public func enrich<Right: Sendable>(with right: Flow<Never, Keyed<Key, Right>>, kind: JoinKind = .left,
                                                   waitForTable: Bool = true) -> KeyedStage<Key, Element, TableJoin<Key, Element, Right>> {
        KeyedStage(keyBy: self, stage: TableJoin(right: right, kind: kind, matches: .latest, waitForTable: waitForTable))
    }

    /// Keys the stream and joins it with another keyed stream within event-time tumbling
    /// windows of `size`.
    @inlinable public func windowJoin<Right: Sendable>(
        _ right: Flow<Never, Keyed<Key, Right>>, window size: Duration, kind: JoinKind = .inner,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> KeyedStage<Key, Element, WindowJoin<Key, Element, Right>> {
        KeyedStage(keyBy: self, stage: WindowJoin(right: right, size: size, kind: kind, leftTime: leftTime, rightTime: rightTime))
    }
}


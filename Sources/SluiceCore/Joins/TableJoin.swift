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

/// Joins two keyed streams within event-time tumbling windows: a left and a right element
/// match when they share the key and fall in the same window. Results are emitted when the
/// watermark passes the window's end; elements later than that are kept as dead letters.
///
/// Create it with ``KeyBy/windowJoin(_:window:kind:leftTime:rightTime:)``.
public struct WindowJoin<Key: Hashable & Sendable, LeftValue: Sendable, RightValue: Sendable>: BinaryStage {
    /// Keyed left elements.
    public typealias Input = Keyed<Key, LeftValue>
    /// Join results.
    public typealias Output = Joined<Key, LeftValue, RightValue>

    /// Settings changed by modifiers.
    public var settings = StageSettings()
    /// The flow producing the keyed right input.
    public let right: Flow<Never, Keyed<Key, RightValue>>
    @usableFromInline let size: Int64
    @usableFromInline let kind: JoinKind
    @usableFromInline let leftTime: @Sendable (LeftValue) -> Timestamp
    @usableFromInline let rightTime: @Sendable (RightValue) -> Timestamp

    /// A windowed join.
    @inlinable public init(right: Flow<Never, Keyed<Key, RightValue>>, size: Duration, kind: JoinKind,
                           leftTime: @escaping @Sendable (LeftValue) -> Timestamp, rightTime: @escaping @Sendable (RightValue) -> Timestamp) {
        self.right = right
        self.size = WindowAssigner.milliseconds(size)
        self.kind = kind
        self.leftTime = leftTime
        self.rightTime = rightTime
    }

    /// `windowJoin`.
    public var defaultName: String { "windowJoin" }
    /// The kind and window.
    public var detail: String { "\(kind), tumbling \(size) ms" }

    /// Creates an instance; a non-positive window fails here.
    @inlinable public func makeOperator(_ context: StageContext) throws -> Operator {
        guard size > 0 else { throw RecordError("a window join needs a positive window size") }
        return Operator(stage: self)
    }

    /// The running form of ``WindowJoin``.
    public struct Operator: BinaryOperator {
        @usableFromInline struct Window: Hashable {
            @usableFromInline let key: Key
            @usableFromInline let start: Int64
            @inlinable init(key: Key, start: Int64) {
                self.key = key
                self.start = start
            }
        }

        @usableFromInline let stage: WindowJoin
        @usableFromInline var lefts: [Window: [LeftValue]] = [:]
        @usableFromInline var rights: [Window: [RightValue]] = [:]
        @usableFromInline var due = TimerQueue<Window>()
        @usableFromInline var watermark = Int64.min

        @inlinable init(stage: WindowJoin) { self.stage = stage }

        @inlinable func window(of key: Key, at time: Timestamp) -> Window {
            let millis = time.millisecondsSinceEpoch
            return Window(key: key, start: millis - WindowAssigner.positiveModulo(millis, stage.size))
        }

        /// The open window for an element of `key` at `time`, scheduling it when new; `nil`
        /// (after keeping the element as a dead letter) when that window has already closed.
        @inlinable mutating func openWindow<Value>(for value: Value, key: Key, at time: Timestamp,
                                                   into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) -> Window? {
            let window = window(of: key, at: time)
            let end = window.start + stage.size
            guard end > watermark else {
                output.failures.divert("late event: event time \(time.millisecondsSinceEpoch) ms is behind the watermark \(watermark) ms; its join window has closed",
                                       rawInput: String(describing: value))
                return nil
            }
            if lefts[window] == nil && rights[window] == nil { due.schedule(window, at: end) }
            return window
        }

        /// Keeps the element in its window.
        @inlinable public mutating func processLeft(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            guard let window = openWindow(for: element.value, key: element.key, at: stage.leftTime(element.value), into: &output) else { return }
            lefts[window, default: []].append(element.value)
        }

        /// Keeps the element in its window.
        @inlinable public mutating func processRight(_ element: Keyed<Key, RightValue>, into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            guard let window = openWindow(for: element.value, key: element.key, at: stage.rightTime(element.value), into: &output) else { return }
            rights[window, default: []].append(element.value)
        }

        /// Emits the pairs of every window the watermark has passed.
        @inlinable public mutating func onWatermark(_ time: Timestamp, into output: inout Emitter<Joined<Key, LeftValue, RightValue>>) {
            watermark = max(watermark, time.millisecondsSinceEpoch)
            while let (_, windows) = due.popDue(atOrBefore: watermark) {
                for window in windows {
                    let matches = rights.removeValue(forKey: window) ?? []
                    for left in lefts.removeValue(forKey: window) ?? [] {
                        if matches.isEmpty {
                            if stage.kind == .left { output.emit(Joined(key: window.key, left: left, right: nil)) }
                        } else {
                            for right in matches { output.emit(Joined(key: window.key, left: left, right: right)) }
                        }
                    }
                }
            }
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


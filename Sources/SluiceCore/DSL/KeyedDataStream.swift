/// A ``DataStream`` keyed for a stage that works per key: a window, a join, a keyed function.
/// Made by ``DataStream/keyBy(_:)-(KeyPath<Element,Key>&Sendable)``; its element type is known,
/// so key paths and closures need no type annotations:
///
/// ```swift
/// let revenue = orders.keyBy(\.category)
///     .window(.tumbling(.seconds(3600)), eventTime: { $0.time }) { Sum(\.amount) }
///     .map { "\($0.key): \($0.value)" }
/// ```
///
/// `parallelism(_:)`, `named(_:)` and `onError(_:)` apply to the keyed stage that follows.
public struct KeyedDataStream<Key: Hashable & Sendable, Element: Sendable>: Sendable {
    /// The stream before keying.
    public let stream: DataStream<Element>
    /// The keying stage.
    public let keyBy: KeyBy<Key, Element>
    @usableFromInline var parallelism: Int?
    @usableFromInline var name: String?
    @usableFromInline var errorPolicy: ErrorPolicy?

    /// `stream` keyed by `keyBy`.
    @inlinable public init(_ stream: DataStream<Element>, keyBy: KeyBy<Key, Element>) {
        self.stream = stream
        self.keyBy = keyBy
    }

    /// Runs `count` instances of the keyed stage; every key stays on one.
    @inlinable public func parallelism(_ count: Int) -> Self {
        var copy = self
        copy.parallelism = count
        return copy
    }

    /// Names the keyed stage.
    @inlinable public func named(_ name: String) -> Self {
        var copy = self
        copy.name = name
        return copy
    }

    /// Chooses what happens to an element the keyed stage cannot process.
    @inlinable public func onError(_ policy: ErrorPolicy) -> Self {
        var copy = self
        copy.errorPolicy = policy
        return copy
    }

    /// The stream through the keyed stage `make` builds from the ``KeyBy``, with this value's
    /// settings: the way to use any keyed stage, including your own.
    @inlinable public func apply<Next: Stage>(_ make: (KeyBy<Key, Element>) -> KeyedStage<Key, Element, Next>) -> DataStream<Next.Output> {
        var keyed = make(keyBy)
        if let parallelism { keyed = keyed.parallelism(parallelism) }
        if let name { keyed = keyed.named(name) }
        if let errorPolicy { keyed = keyed.onError(errorPolicy) }
        let stage = keyed
        return stream.through { stage }
    }

    /// The right side of a join: this stream, keyed.
    @inlinable var flow: Flow<Never, Keyed<Key, Element>> {
        let stream = stream, keyBy = keyBy
        return Flow { stream; keyBy }
    }

    /// Each key's elements aggregated per event-time window.
    @inlinable public func window<A: Aggregation>(
        _ assigner: WindowAssigner, allowedLateness: Duration = .zero, earlyFiring: EarlyFiring? = nil,
        eventTime: @escaping @Sendable (Element) -> Timestamp,
        @AggregationBuilder<Element> _ aggregations: () -> A
    ) -> DataStream<WindowResult<Key, A.Output>> where A.Input == Element {
        let aggregation = aggregations()
        return apply { $0.window(assigner, allowedLateness: allowedLateness, earlyFiring: earlyFiring, eventTime: eventTime) { aggregation } }
    }

    /// Each element with every element of `other` that has its key (a hash join; `other`
    /// should be bounded: elements wait until it has ended).
    @inlinable public func join<Right: Sendable>(_ other: KeyedDataStream<Key, Right>, kind: JoinKind = .inner)
        -> DataStream<Joined<Key, Element, Right>> {
        apply { $0.join(other.flow, kind: kind) }
    }

    /// A right or full outer hash join with `other`.
    @inlinable public func join<Right: Sendable>(_ other: KeyedDataStream<Key, Right>, kind: OuterJoinKind)
        -> DataStream<OuterJoined<Key, Element, Right>> {
        apply { $0.join(other.flow, kind: kind) }
    }

    /// Each element with the latest element of `other` that has its key.
    @inlinable public func enrich<Right: Sendable>(with other: KeyedDataStream<Key, Right>, kind: JoinKind = .left,
                                                   waitForTable: Bool = true) -> DataStream<Joined<Key, Element, Right>> {
        apply { $0.enrich(with: other.flow, kind: kind, waitForTable: waitForTable) }
    }

    /// Elements of both streams with the same key in the same event-time window of `size`.
    @inlinable public func windowJoin<Right: Sendable>(
        _ other: KeyedDataStream<Key, Right>, window size: Duration, kind: JoinKind = .inner,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> DataStream<Joined<Key, Element, Right>> {
        apply { $0.windowJoin(other.flow, window: size, kind: kind, leftTime: leftTime, rightTime: rightTime) }
    }

    /// Elements of both streams with the same key whose times are within `bounds` of each
    /// other (`right − left`).
    @inlinable public func intervalJoin<Right: Sendable>(
        _ other: KeyedDataStream<Key, Right>, between bounds: ClosedRange<Duration>, kind: JoinKind = .inner,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> DataStream<Joined<Key, Element, Right>> {
        apply { $0.intervalJoin(other.flow, between: bounds, kind: kind, leftTime: leftTime, rightTime: rightTime) }
    }

    /// A right or full outer interval join with `other`.
    @inlinable public func intervalJoin<Right: Sendable>(
        _ other: KeyedDataStream<Key, Right>, between bounds: ClosedRange<Duration>, kind: OuterJoinKind,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> DataStream<OuterJoined<Key, Element, Right>> {
        apply { $0.intervalJoin(other.flow, between: bounds, kind: kind, leftTime: leftTime, rightTime: rightTime) }
    }

    /// Runs `function` on each key's elements with that key's state and timers.
    @inlinable public func process<Function: KeyedProcessFunction>(_ function: Function) -> DataStream<Function.Output>
    where Function.Key == Key, Function.Input == Element {
        apply { $0.process(function) }
    }
}

extension DataStream {
    /// The stream keyed by `keyPath`, for a window, a join or a keyed function.
    @inlinable public func keyBy<Key: Hashable & Sendable>(_ keyPath: KeyPath<Element, Key> & Sendable) -> KeyedDataStream<Key, Element> {
        KeyedDataStream(self, keyBy: KeyBy(keyPath))
    }

    /// The stream keyed by `key`, for a window, a join or a keyed function.
    @inlinable public func keyBy<Key: Hashable & Sendable>(_ key: @escaping @Sendable (Element) -> Key) -> KeyedDataStream<Key, Element> {
        KeyedDataStream(self, keyBy: KeyBy(key))
    }
}

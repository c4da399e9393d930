import SluiceCore

/// Passes the first element of each key and drops the repeats: for ever, or within a span of
/// event time after the first (a retried delivery, a file loaded twice).
///
/// ```swift
/// KeyBy(\Order.id).deduplicate(within: .seconds(24 * 3600)) { Timestamp(millisecondsSinceEpoch: $0.placedAt) }
/// KeyBy(\Customer.email).deduplicate()           // globally: state grows with the keys
/// ```
///
/// Its state (when each key was first seen, and the timers that forget it) is checkpointed
/// when the key is `Codable`. The run report shows the repeats dropped as the stage's
/// `recordsIn − recordsOut`.
public struct DropDuplicates<Key: Hashable & Sendable, Element: Sendable>: KeyedProcessFunction {
    /// When the key was first seen, in milliseconds since the epoch.
    public typealias State = Int64?

    @usableFromInline let within: Duration?
    @usableFromInline let eventTime: (@Sendable (Element) -> Timestamp)?

    /// Drops repeats for ever.
    @inlinable public init() {
        within = nil
        eventTime = nil
    }

    /// Drops repeats within `within` of the first, in the event time `eventTime` gives.
    @inlinable public init(within: Duration, eventTime: @escaping @Sendable (Element) -> Timestamp) {
        self.within = within
        self.eventTime = eventTime
    }

    /// Nothing seen yet.
    @inlinable public func initialState(for key: Key) -> Int64? { nil }

    /// Passes the first element of the key and, with a span, sets the timer that forgets it.
    @inlinable public func process(_ element: Element, key: Key, state firstSeen: inout Int64?,
                                   context: inout KeyedContext, into output: inout Emitter<Element>) throws {
        guard firstSeen == nil else { return }
        let time = eventTime?(element) ?? .min
        firstSeen = time.millisecondsSinceEpoch
        output.emit(element)
        if let within, eventTime != nil { context.setTimer(at: time.advanced(by: within)) }
    }

    /// The span has passed: the key may come again.
    @inlinable public func onTimer(at time: Timestamp, key: Key, state: inout Int64?, context: inout KeyedContext,
                                   into output: inout Emitter<Element>) throws {
        context.clearState()
    }
}

extension KeyBy {
    /// Keys the stream and drops repeated keys for ever after the first; see
    /// ``DropDuplicates``.
    @inlinable public func deduplicate() -> KeyedStage<Key, Element, KeyedProcessStage<DropDuplicates<Key, Element>>> {
        process(DropDuplicates())
    }

    /// Keys the stream and drops repeated keys within `within` of event time after the first;
    /// see ``DropDuplicates``.
    @inlinable public func deduplicate(within: Duration, eventTime: @escaping @Sendable (Element) -> Timestamp)
        -> KeyedStage<Key, Element, KeyedProcessStage<DropDuplicates<Key, Element>>> {
        process(DropDuplicates(within: within, eventTime: eventTime))
    }
}

extension KeyedDataStream {
    /// The stream without repeated keys after the first; see ``DropDuplicates``.
    @inlinable public func deduplicate() -> DataStream<Element> {
        apply { $0.deduplicate() }
    }

    /// The stream without repeated keys within `within` of event time after the first.
    @inlinable public func deduplicate(within: Duration, eventTime: @escaping @Sendable (Element) -> Timestamp) -> DataStream<Element> {
        apply { $0.deduplicate(within: within, eventTime: eventTime) }
    }
}

/// A stateful function over a keyed stream: each key has its own `State`, kept between
/// elements, and may set event-time timers that fire as the watermark passes them.
///
/// `State` is any type you choose: a field is per-key value state, a dictionary field is
/// per-key map state. Every call gets the current key's state `inout`; it starts as
/// ``initialState(for:)`` and is dropped when the function calls
/// ``KeyedContext/clearState()``.
///
/// ```swift
/// /// Drops an order whose id was already seen in the last 24 hours of event time.
/// struct DropRepeatedOrders: KeyedProcessFunction {
///     struct State { var firstSeen: Timestamp? }
///     func initialState(for id: String) -> State { State() }
///     func process(_ order: Order, key id: String, state: inout State,
///                  context: inout KeyedContext, into output: inout Emitter<Order>) {
///         guard state.firstSeen == nil else { return }
///         state.firstSeen = order.time
///         output.emit(order)
///         context.setTimer(at: order.time.advanced(by: .seconds(86_400)))
///     }
///     func onTimer(at time: Timestamp, key id: String, state: inout State,
///                  context: inout KeyedContext, into output: inout Emitter<Order>) {
///         context.clearState()
///     }
/// }
///
/// KeyBy(\Order.id).process(DropRepeatedOrders())
/// ```
public protocol KeyedProcessFunction<Key, Input, Output>: Sendable {
    /// The key type.
    associatedtype Key: Hashable & Sendable
    /// The elements consumed.
    associatedtype Input: Sendable
    /// The elements produced.
    associatedtype Output: Sendable
    /// What is kept per key.
    associatedtype State

    /// The state of a key seen for the first time (or again after ``KeyedContext/clearState()``).
    func initialState(for key: Key) -> State

    /// Processes one element of `key`. Throwing rejects the element under the stage's error
    /// policy; changes made to `state` before the throw are kept.
    func process(_ element: Input, key: Key, state: inout State, context: inout KeyedContext,
                 into output: inout Emitter<Output>) throws

    /// Called when the watermark passes a timer `key` set at `time`. The default does nothing.
    func onTimer(at time: Timestamp, key: Key, state: inout State, context: inout KeyedContext,
                 into output: inout Emitter<Output>) throws

    /// `true` when the function sets processing-time timers; the runtime then tells it as
    /// processing time passes. The default is `false`.
    var usesProcessingTime: Bool { get }

    /// Called when processing time reaches a timer `key` set with
    /// ``KeyedContext/setProcessingTimeTimer(at:)``. The default does nothing.
    func onProcessingTimer(at time: Timestamp, key: Key, state: inout State, context: inout KeyedContext,
                           into output: inout Emitter<Output>) throws
}

extension KeyedProcessFunction {
    /// Does nothing.
    public func onTimer(at time: Timestamp, key: Key, state: inout State, context: inout KeyedContext,
                        into output: inout Emitter<Output>) throws {}

    /// No processing time.
    public var usesProcessingTime: Bool { false }

    /// Does nothing.
    public func onProcessingTimer(at time: Timestamp, key: Key, state: inout State, context: inout KeyedContext,
                                  into output: inout Emitter<Output>) throws {}
}

/// What a ``KeyedProcessFunction`` can ask of the runtime for the current key.
public struct KeyedContext {
    /// Event time reached on the stage's input: elements before it are late.
    public let watermark: Timestamp
    /// The latest processing time the stage was told of (`Timestamp.min` before the first
    /// tick, or when the function does not use processing time).
    public let processingTime: Timestamp
    @usableFromInline var newTimers: [Timestamp] = []
    @usableFromInline var cancelledTimers: [Timestamp] = []
    @usableFromInline var newProcessingTimers: [Timestamp] = []
    @usableFromInline var cancelledProcessingTimers: [Timestamp] = []
    @usableFromInline var clearsState = false

    @usableFromInline init(watermark: Timestamp, processingTime: Timestamp) {
        self.watermark = watermark
        self.processingTime = processingTime
    }

    /// Calls ``KeyedProcessFunction/onProcessingTimer(at:key:state:context:into:)`` for the
    /// current key once processing time reaches `time` (within one tick). The function must
    /// declare ``KeyedProcessFunction/usesProcessingTime``.
    public mutating func setProcessingTimeTimer(at time: Timestamp) { newProcessingTimers.append(time) }

    /// Cancels the current key's processing-time timer at `time`, if it is set.
    public mutating func cancelProcessingTimeTimer(at time: Timestamp) { cancelledProcessingTimers.append(time) }

    /// Calls ``KeyedProcessFunction/onTimer(at:key:state:context:into:)`` for the current
    /// key once the watermark reaches `time`. Setting the same time twice sets one timer; a
    /// time the watermark has already reached fires at the next watermark.
    public mutating func setTimer(at time: Timestamp) { newTimers.append(time) }

    /// Cancels the current key's timer at `time`, if it is set.
    public mutating func cancelTimer(at time: Timestamp) { cancelledTimers.append(time) }

    /// Drops the current key's state (and its timers) after this call; the key starts again
    /// from ``KeyedProcessFunction/initialState(for:)``.
    public mutating func clearState() { clearsState = true }
}

extension Timestamp {
    /// This instant moved by `duration` (saturating at ``min`` and ``max``).
    public func advanced(by duration: Duration) -> Timestamp {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return seconds > 0 ? .max : .min }
        let (value, overflow) = millisecondsSinceEpoch.addingReportingOverflow(
            milliseconds.partialValue + attoseconds / 1_000_000_000_000_000)
        return overflow ? (seconds > 0 ? .max : .min) : Timestamp(millisecondsSinceEpoch: value)
    }
}

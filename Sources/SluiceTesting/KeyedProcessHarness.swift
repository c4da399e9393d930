import SluiceCore

/// Drives a ``KeyedProcessFunction`` without a pipeline, with its keyed state and timers in
/// view: push elements per key, advance the watermark to fire timers, read each key's state.
///
/// ```swift
/// var harness = try KeyedProcessHarness(DropRepeatedOrders())
/// try harness.push(order, key: order.id)
/// #expect(harness.state(for: order.id)?.firstSeen == order.time)
/// try harness.pushWatermark(order.time.advanced(by: .seconds(86_400)))   // fires the timer
/// #expect(harness.state(for: order.id) == nil)
/// ```
public struct KeyedProcessHarness<Function: KeyedProcessFunction> {
    private var instance: KeyedProcessStage<Function>.Operator
    private var emitter: Emitter<Function.Output>

    /// Creates an instance of the function with no state, failing the first bad element
    /// unless another policy is given.
    public init(_ function: Function, errorPolicy: ErrorPolicy = .fail) throws {
        let stage = KeyedProcessStage(function)
        instance = stage.makeOperator(StageContext(stageName: stage.defaultName))
        emitter = Emitter(failures: RecordFailures(stage: stage.defaultName, policy: errorPolicy))
    }

    /// Pushes one element of `key`.
    public mutating func push(_ element: Function.Input, key: Function.Key) throws {
        try instance.process(chunk: [Keyed(key: key, value: element)], into: &emitter)
    }

    /// Advances event time, firing every timer at or before `watermark`.
    public mutating func pushWatermark(_ watermark: Timestamp) throws {
        try instance.onWatermark(watermark, into: &emitter)
    }

    /// Advances processing time, firing every processing-time timer at or before `now`.
    public mutating func advanceProcessingTime(to now: Timestamp) throws {
        try instance.onProcessingTime(now, into: &emitter)
    }

    /// Ends a bounded input: the watermark jumps to +infinity, firing every timer.
    public mutating func endInput() throws {
        try instance.onWatermark(.max, into: &emitter)
        try instance.finish(into: &emitter)
    }

    /// Removes and returns what the function emitted so far.
    public mutating func takeOutput() -> [Function.Output] { emitter.takeElements() }

    /// The state of `key`; `nil` if the key was never seen or its state was cleared.
    public func state(for key: Function.Key) -> Function.State? { instance.states[key] }

    /// Every key that has state.
    public var keys: [Function.Key] { Array(instance.states.keys) }

    /// The timers `key` has set and that have not fired yet, in time order.
    public func timers(for key: Function.Key) -> [Timestamp] { instance.timersByKey[key] ?? [] }

    /// Elements rejected as dead letters.
    public var deadLetters: [DeadLetter] { emitter.failures.deadLetters }
}

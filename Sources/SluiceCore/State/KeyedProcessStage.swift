/// Runs a ``KeyedProcessFunction`` over a keyed stream. Create it with
/// ``KeyBy/process(_:)``; with `.parallelism(n)` every key, its state and its timers stay on
/// one instance.
public struct KeyedProcessStage<Function: KeyedProcessFunction>: TransformStage {
    /// Keyed elements in.
    public typealias Input = Keyed<Function.Key, Function.Input>
    /// The function's output.
    public typealias Output = Function.Output

    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let function: Function

    /// Runs `function`.
    @inlinable public init(_ function: Function) { self.function = function }

    /// `process`.
    public var defaultName: String { "process" }
    /// The function's type.
    public var detail: String { String(describing: Function.self) }
    /// When the function sets processing-time timers.
    public var needsProcessingTime: Bool { function.usesProcessingTime }

    /// Creates an instance with no state.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(function: function) }

    /// The running form of ``KeyedProcessStage``: the state of every key this instance owns
    /// and their timers.
    public struct Operator: TransformOperator {
        @usableFromInline let function: Function
        @usableFromInline var stateByKey: [Function.Key: Function.State] = [:]

        /// The state of every key seen and not cleared.
        public var states: [Function.Key: Function.State] { stateByKey }
        @usableFromInline var timers = TimerQueue<Function.Key>()
        @usableFromInline var pendingTimers = PendingTimers<Function.Key>()
        @usableFromInline var processingTimers = TimerQueue<Function.Key>()
        @usableFromInline var pendingProcessingTimers = PendingTimers<Function.Key>()
        @usableFromInline var watermark = Timestamp.min
        /// The newest watermark short of the end of input (+∞), which is what a checkpoint
        /// saves: a run that resumes with new input (a micro-batch reading what is new) judges
        /// lateness from the event time the input reached, not from the end that flushed it.
        @usableFromInline var reachedWatermark = Timestamp.min
        @usableFromInline var processingTime = Timestamp.min

        @inlinable init(function: Function) { self.function = function }

        /// The timers set and not yet fired, by key.
        public var timersByKey: [Function.Key: [Timestamp]] {
            pendingTimers.timesByKey.mapValues { $0.sorted().map { Timestamp(millisecondsSinceEpoch: $0) } }
        }

        @inlinable mutating func apply(_ context: KeyedContext, key: Function.Key, state: Function.State) {
            if context.clearsState {
                stateByKey[key] = nil
                pendingTimers.removeAll(for: key)
                pendingProcessingTimers.removeAll(for: key)
                return
            }
            for time in context.cancelledProcessingTimers {
                pendingProcessingTimers.remove(key, at: time.millisecondsSinceEpoch)
            }
            for time in context.newProcessingTimers {
                if pendingProcessingTimers.insert(key, at: time.millisecondsSinceEpoch) {
                    processingTimers.schedule(key, at: time.millisecondsSinceEpoch)
                }
            }
            stateByKey[key] = state
            for time in context.cancelledTimers {
                pendingTimers.remove(key, at: time.millisecondsSinceEpoch)
            }
            for time in context.newTimers {
                if pendingTimers.insert(key, at: time.millisecondsSinceEpoch) {
                    timers.schedule(key, at: time.millisecondsSinceEpoch)
                }
            }
        }

        /// Runs the function on one element with its key's state.
        @inlinable public mutating func process(_ element: Keyed<Function.Key, Function.Input>,
                                                into output: inout Emitter<Function.Output>) throws {
            var state = stateByKey[element.key] ?? function.initialState(for: element.key)
            var context = KeyedContext(watermark: watermark, processingTime: processingTime)
            defer { apply(context, key: element.key, state: state) }
            try function.process(element.value, key: element.key, state: &state, context: &context, into: &output)
        }

        /// Fires, in time order, every processing-time timer `now` has reached.
        @inlinable public mutating func onProcessingTime(_ now: Timestamp, into output: inout Emitter<Function.Output>) throws {
            processingTime = max(processingTime, now)
            while let (instant, keys) = processingTimers.popDue(atOrBefore: processingTime.millisecondsSinceEpoch) {
                for key in keys {
                    guard pendingProcessingTimers.remove(key, at: instant) else { continue }
                    var state = stateByKey[key] ?? function.initialState(for: key)
                    var context = KeyedContext(watermark: watermark, processingTime: processingTime)
                    defer { apply(context, key: key, state: state) }
                    try function.onProcessingTimer(at: Timestamp(millisecondsSinceEpoch: instant), key: key,
                                                   state: &state, context: &context, into: &output)
                }
            }
        }

        /// Fires, in time order, every timer the watermark has reached.
        @inlinable public mutating func onWatermark(_ time: Timestamp, into output: inout Emitter<Function.Output>) throws {
            watermark = max(watermark, time)
            if time != .max { reachedWatermark = max(reachedWatermark, time) }
            while let (instant, keys) = timers.popDue(atOrBefore: watermark.millisecondsSinceEpoch) {
                for key in keys {
                    // Cancelled, cleared or already fired timers are skipped.
                    guard pendingTimers.remove(key, at: instant) else { continue }
                    var state = stateByKey[key] ?? function.initialState(for: key)
                    var context = KeyedContext(watermark: watermark, processingTime: processingTime)
                    defer { apply(context, key: key, state: state) }
                    try function.onTimer(at: Timestamp(millisecondsSinceEpoch: instant), key: key,
                                         state: &state, context: &context, into: &output)
                }
            }
        }
    }
}

extension KeyBy {
    /// Keys the stream and runs `function` with per-key state and timers.
    @inlinable public func process<Function: KeyedProcessFunction>(_ function: Function) -> KeyedStage<Key, Element, KeyedProcessStage<Function>>
    where Function.Key == Key, Function.Input == Element {
        KeyedStage(keyBy: self, stage: KeyedProcessStage(function))
    }
}


/// The timers each key has set and not yet seen fire, found by key in constant time (clearing
/// a key's state drops its timers without scanning everyone's).
@usableFromInline struct PendingTimers<Key: Hashable> {
    @usableFromInline var timesByKey: [Key: Set<Int64>] = [:]

    @inlinable init() {}

    /// Adds a timer; `false` when the key already had one at `time`.
    @inlinable mutating func insert(_ key: Key, at time: Int64) -> Bool {
        timesByKey[key, default: []].insert(time).inserted
    }

    /// Removes a timer; `false` when there was none (cancelled, cleared or fired).
    @inlinable @discardableResult mutating func remove(_ key: Key, at time: Int64) -> Bool {
        guard timesByKey[key]?.remove(time) != nil else { return false }
        if timesByKey[key]?.isEmpty == true { timesByKey[key] = nil }
        return true
    }

    /// Drops every timer of `key`.
    @inlinable mutating func removeAll(for key: Key) { timesByKey[key] = nil }
}

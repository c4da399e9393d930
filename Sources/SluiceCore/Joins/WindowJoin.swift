/// Joins two keyed streams within event-time tumbling windows: a left and a right element
/// match when they share the key and fall in the same window. Results are emitted when the
/// watermark passes the window's end; elements later than that are kept as dead letters. In
/// outer joins, a window's elements of one side without any of the other are emitted alone.
///
/// Create it with ``KeyBy/windowJoin(_:window:kind:leftTime:rightTime:)``.
public struct WindowJoin<Key: Hashable & Sendable, LeftValue: Sendable, RightValue: Sendable,
                         Result: JoinResult>: BinaryStage
where Result.Key == Key, Result.Left == LeftValue, Result.Right == RightValue {
    /// Keyed left elements.
    public typealias Input = Keyed<Key, LeftValue>
    /// Join results.
    public typealias Output = Result

    /// Settings changed by modifiers.
    public var settings = StageSettings()
    /// The flow producing the keyed right input.
    public let right: Flow<Never, Keyed<Key, RightValue>>
    @usableFromInline let size: Int64
    @usableFromInline let sides: JoinSides
    @usableFromInline let leftTime: @Sendable (LeftValue) -> Timestamp
    @usableFromInline let rightTime: @Sendable (RightValue) -> Timestamp

    /// A windowed join.
    @inlinable public init(right: Flow<Never, Keyed<Key, RightValue>>, size: Duration, sides: JoinSides,
                           leftTime: @escaping @Sendable (LeftValue) -> Timestamp, rightTime: @escaping @Sendable (RightValue) -> Timestamp) {
        self.right = right
        self.size = WindowAssigner.milliseconds(size)
        self.sides = sides
        self.leftTime = leftTime
        self.rightTime = rightTime
    }

    /// `windowJoin`.
    public var defaultName: String { "windowJoin" }
    /// The kind and window.
    public var detail: String { "\(sides), tumbling \(size) ms" }

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
        /// The newest watermark short of the end of input (+∞), which is what a checkpoint
        /// saves: a run that resumes with new input (a micro-batch reading what is new) judges
        /// lateness from the event time the input reached, not from the end that flushed it.
        @usableFromInline var reachedWatermark = Int64.min

        @inlinable init(stage: WindowJoin) { self.stage = stage }

        @inlinable func window(of key: Key, at time: Timestamp) -> Window {
            let millis = time.millisecondsSinceEpoch
            return Window(key: key, start: millis - WindowAssigner.positiveModulo(millis, stage.size))
        }

        /// The open window for an element of `key` at `time`, scheduling it when new; `nil`
        /// (after keeping the element as a dead letter) when that window has already closed.
        @inlinable mutating func openWindow<Value>(for value: Value, key: Key, at time: Timestamp,
                                                   into output: inout Emitter<Result>) -> Window? {
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

        @inlinable func emit(_ key: Key, _ left: LeftValue?, _ right: RightValue?, into output: inout Emitter<Result>) {
            if let result = Result(key: key, left: left, right: right) { output.emit(result) }
        }

        /// Keeps the element in its window.
        @inlinable public mutating func processLeft(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Result>) {
            guard let window = openWindow(for: element.value, key: element.key, at: stage.leftTime(element.value), into: &output) else { return }
            lefts[window, default: []].append(element.value)
        }

        /// Keeps the element in its window.
        @inlinable public mutating func processRight(_ element: Keyed<Key, RightValue>, into output: inout Emitter<Result>) {
            guard let window = openWindow(for: element.value, key: element.key, at: stage.rightTime(element.value), into: &output) else { return }
            rights[window, default: []].append(element.value)
        }

        /// Emits the pairs of every window the watermark has passed.
        @inlinable public mutating func onWatermark(_ time: Timestamp, into output: inout Emitter<Result>) {
            watermark = max(watermark, time.millisecondsSinceEpoch)
            if time != .max { reachedWatermark = max(reachedWatermark, time.millisecondsSinceEpoch) }
            while let (_, windows) = due.popDue(atOrBefore: watermark) {
                for window in windows {
                    let matches = rights.removeValue(forKey: window) ?? []
                    let others = lefts.removeValue(forKey: window) ?? []
                    for left in others {
                        if matches.isEmpty {
                            if stage.sides.keepsUnmatchedLeft { emit(window.key, left, nil, into: &output) }
                        } else {
                            for right in matches { emit(window.key, left, right, into: &output) }
                        }
                    }
                    if others.isEmpty, stage.sides.keepsUnmatchedRight {
                        for right in matches { emit(window.key, nil, right, into: &output) }
                    }
                }
            }
        }
    }
}

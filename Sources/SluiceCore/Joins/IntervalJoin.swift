/// Joins two keyed streams by event time: a left element matches every right element of the
/// same key whose time is within `bounds` of its own — `right.time − left.time` in
/// `bounds` (`-.seconds(30) ... .zero`: the right element at most 30 s before the left).
///
/// Pairs are emitted as soon as the second of the two arrives. An element is kept only while
/// elements it could still match may arrive: until the watermark (the minimum of both sides')
/// has passed the end of its interval. Then, in an outer join, an element that matched
/// nothing is emitted alone. An element behind the watermark is kept as a dead letter, as in
/// the other event-time joins, so batch and stream give the same results.
///
/// Create it with ``KeyBy/intervalJoin(_:between:kind:leftTime:rightTime:)``.
public struct IntervalJoin<Key: Hashable & Sendable, LeftValue: Sendable, RightValue: Sendable,
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
    @usableFromInline let lower: Int64
    @usableFromInline let upper: Int64
    @usableFromInline let sides: JoinSides
    @usableFromInline let leftTime: @Sendable (LeftValue) -> Timestamp
    @usableFromInline let rightTime: @Sendable (RightValue) -> Timestamp

    /// An interval join: `right.time − left.time` within `bounds`.
    @inlinable public init(right: Flow<Never, Keyed<Key, RightValue>>, between bounds: ClosedRange<Duration>, sides: JoinSides,
                           leftTime: @escaping @Sendable (LeftValue) -> Timestamp,
                           rightTime: @escaping @Sendable (RightValue) -> Timestamp) {
        self.right = right
        self.lower = bounds.lowerBound.wholeMilliseconds
        self.upper = bounds.upperBound.wholeMilliseconds
        self.sides = sides
        self.leftTime = leftTime
        self.rightTime = rightTime
    }

    /// `intervalJoin`.
    public var defaultName: String { "intervalJoin" }
    /// The kind and bounds.
    public var detail: String { "\(sides), right − left in [\(lower), \(upper)] ms" }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(stage: self) }

    /// An element waiting for matches, and whether it has had one.
    public struct Buffered<Value> {
        /// Its event time in milliseconds since the epoch.
        public var time: Int64
        /// The element.
        public var value: Value
        /// Whether it has matched an element of the other side.
        public var matched: Bool

        /// An element at `time`.
        @inlinable public init(time: Int64, value: Value, matched: Bool) {
            self.time = time
            self.value = value
            self.matched = matched
        }
    }

    /// The running form of ``IntervalJoin``.
    public struct Operator: BinaryOperator {
        @usableFromInline let stage: IntervalJoin
        @usableFromInline var lefts: [Key: [Buffered<LeftValue>]] = [:]
        @usableFromInline var rights: [Key: [Buffered<RightValue>]] = [:]
        /// When a key may have elements to let go of.
        @usableFromInline var due = TimerQueue<Key>()
        @usableFromInline var watermark = Int64.min
        /// The newest watermark short of the end of input (+∞), which is what a checkpoint
        /// saves: a run that resumes with new input (a micro-batch reading what is new) judges
        /// lateness from the event time the input reached, not from the end that flushed it.
        @usableFromInline var reachedWatermark = Int64.min

        @inlinable init(stage: IntervalJoin) { self.stage = stage }

        @inlinable func emit(_ key: Key, _ left: LeftValue?, _ right: RightValue?, into output: inout Emitter<Result>) {
            if let result = Result(key: key, left: left, right: right) { output.emit(result) }
        }

        /// `a + b`, held at the ends of `Int64` (for instants far from now).
        @inlinable static func plus(_ a: Int64, _ b: Int64) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? (b > 0 ? .max : .min) : sum
        }

        /// The instant from which no new right element can match a left one at `time`.
        @inlinable func leftExpiry(_ time: Int64) -> Int64 { Self.plus(Self.plus(time, stage.upper), 1) }
        /// The instant from which no new left element can match a right one at `time`.
        @inlinable func rightExpiry(_ time: Int64) -> Int64 { Self.plus(Self.plus(time, -stage.lower), 1) }

        @inlinable func isLate<Value>(_ time: Int64, _ value: Value, into output: inout Emitter<Result>) -> Bool {
            guard time < watermark else { return false }
            output.failures.divert("late event: event time \(time) ms is behind the watermark \(watermark) ms; the elements it could join with are gone",
                                   rawInput: String(describing: value))
            return true
        }

        /// Emits the pairs with the buffered right elements, then keeps the element.
        @inlinable public mutating func processLeft(_ element: Keyed<Key, LeftValue>, into output: inout Emitter<Result>) {
            let time = stage.leftTime(element.value).millisecondsSinceEpoch
            guard !isLate(time, element.value, into: &output) else { return }
            var matched = false
            if var candidates = rights[element.key] {
                for index in candidates.indices {
                    let gap = candidates[index].time.subtractingReportingOverflow(time)
                    guard !gap.overflow, gap.partialValue >= stage.lower, gap.partialValue <= stage.upper else { continue }
                    emit(element.key, element.value, candidates[index].value, into: &output)
                    candidates[index].matched = true
                    matched = true
                }
                rights[element.key] = candidates
            }
            lefts[element.key, default: []].append(Buffered(time: time, value: element.value, matched: matched))
            due.schedule(element.key, at: leftExpiry(time))
        }

        /// Emits the pairs with the buffered left elements, then keeps the element.
        @inlinable public mutating func processRight(_ element: Keyed<Key, RightValue>, into output: inout Emitter<Result>) {
            let time = stage.rightTime(element.value).millisecondsSinceEpoch
            guard !isLate(time, element.value, into: &output) else { return }
            var matched = false
            if var candidates = lefts[element.key] {
                for index in candidates.indices {
                    let gap = time.subtractingReportingOverflow(candidates[index].time)
                    guard !gap.overflow, gap.partialValue >= stage.lower, gap.partialValue <= stage.upper else { continue }
                    emit(element.key, candidates[index].value, element.value, into: &output)
                    candidates[index].matched = true
                    matched = true
                }
                lefts[element.key] = candidates
            }
            rights[element.key, default: []].append(Buffered(time: time, value: element.value, matched: matched))
            due.schedule(element.key, at: rightExpiry(time))
        }

        /// Lets go of the elements nothing new can match, emitting the unmatched ones of an
        /// outer join.
        @inlinable public mutating func onWatermark(_ time: Timestamp, into output: inout Emitter<Result>) {
            watermark = max(watermark, time.millisecondsSinceEpoch)
            if time != .max { reachedWatermark = max(reachedWatermark, time.millisecondsSinceEpoch) }
            while let (_, keys) = due.popDue(atOrBefore: watermark) {
                for key in keys { expire(key, everything: false, into: &output) }
            }
        }

        /// Both inputs have ended: nothing more can match.
        @inlinable public mutating func finish(into output: inout Emitter<Result>) {
            for key in Set(lefts.keys).union(rights.keys) { expire(key, everything: true, into: &output) }
        }

        @inlinable mutating func expire(_ key: Key, everything: Bool, into output: inout Emitter<Result>) {
            if let kept = lefts[key] {
                var remaining: [Buffered<LeftValue>] = []
                for element in kept {
                    if everything || leftExpiry(element.time) <= watermark {
                        if !element.matched, stage.sides.keepsUnmatchedLeft { emit(key, element.value, nil, into: &output) }
                    } else {
                        remaining.append(element)
                    }
                }
                lefts[key] = remaining.isEmpty ? nil : remaining
            }
            if let kept = rights[key] {
                var remaining: [Buffered<RightValue>] = []
                for element in kept {
                    if everything || rightExpiry(element.time) <= watermark {
                        if !element.matched, stage.sides.keepsUnmatchedRight { emit(key, nil, element.value, into: &output) }
                    } else {
                        remaining.append(element)
                    }
                }
                rights[key] = remaining.isEmpty ? nil : remaining
            }
        }
    }
}

/// What an interval join saves at a checkpoint: the elements still waiting, with whether each
/// has matched, and the watermark.
public struct IntervalJoinSnapshot<Key: Codable, LeftValue: Codable, RightValue: Codable>: Codable {
    /// One waiting element.
    public struct Element<Value: Codable>: Codable {
        /// Its key.
        public var key: Key
        /// Its event time in milliseconds since the epoch.
        public var time: Int64
        /// The element.
        public var value: Value
        /// Whether it has matched.
        public var matched: Bool
    }
    /// The watermark, in milliseconds since the epoch.
    public var watermark: Int64
    /// Waiting left elements.
    public var lefts: [Element<LeftValue>]
    /// Waiting right elements.
    public var rights: [Element<RightValue>]
}

extension IntervalJoin.Operator: CheckpointableOperator where Key: Codable, LeftValue: Codable, RightValue: Codable {
    /// The waiting elements.
    public func snapshot() -> IntervalJoinSnapshot<Key, LeftValue, RightValue> {
        IntervalJoinSnapshot(
            watermark: reachedWatermark,
            lefts: lefts.flatMap { key, kept in kept.map { .init(key: key, time: $0.time, value: $0.value, matched: $0.matched) } },
            rights: rights.flatMap { key, kept in kept.map { .init(key: key, time: $0.time, value: $0.value, matched: $0.matched) } })
    }

    /// Takes the elements of the keys this instance owns and schedules their expiry again.
    public mutating func restore(from snapshots: [IntervalJoinSnapshot<Key, LeftValue, RightValue>], scope: RestoreScope) {
        lefts = [:]
        rights = [:]
        due = TimerQueue()
        watermark = snapshots.map(\.watermark).max() ?? .min
        reachedWatermark = watermark
        for snapshot in snapshots {
            for saved in snapshot.lefts where scope.owns(saved.key) {
                lefts[saved.key, default: []].append(.init(time: saved.time, value: saved.value, matched: saved.matched))
                due.schedule(saved.key, at: leftExpiry(saved.time))
            }
            for saved in snapshot.rights where scope.owns(saved.key) {
                rights[saved.key, default: []].append(.init(time: saved.time, value: saved.value, matched: saved.matched))
                due.schedule(saved.key, at: rightExpiry(saved.time))
            }
        }
    }
}

extension KeyBy {
    /// Keys the stream and joins it with another keyed stream by event time: each left element
    /// with the right elements of its key whose time minus its own is within `bounds`.
    ///
    /// ```swift
    /// // Orders with the clicks of the same user in the 30 s before them.
    /// KeyBy(\Order.user).intervalJoin(Flow { clicks; KeyBy(\Click.user) }, between: .seconds(-30) ... .zero,
    ///                                 leftTime: { $0.time }, rightTime: { $0.time })
    /// ```
    @inlinable public func intervalJoin<Right: Sendable>(
        _ right: Flow<Never, Keyed<Key, Right>>, between bounds: ClosedRange<Duration>, kind: JoinKind = .inner,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> KeyedStage<Key, Element, IntervalJoin<Key, Element, Right, Joined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: IntervalJoin(right: right, between: bounds, sides: kind.sides,
                                                    leftTime: leftTime, rightTime: rightTime))
    }

    /// A right or full outer interval join: elements that matched nothing by the time nothing
    /// more can match are emitted alone.
    @inlinable public func intervalJoin<Right: Sendable>(
        _ right: Flow<Never, Keyed<Key, Right>>, between bounds: ClosedRange<Duration>, kind: OuterJoinKind,
        leftTime: @escaping @Sendable (Element) -> Timestamp, rightTime: @escaping @Sendable (Right) -> Timestamp
    ) -> KeyedStage<Key, Element, IntervalJoin<Key, Element, Right, OuterJoined<Key, Element, Right>>> {
        KeyedStage(keyBy: self, stage: IntervalJoin(right: right, between: bounds, sides: kind.sides,
                                                    leftTime: leftTime, rightTime: rightTime))
    }
}

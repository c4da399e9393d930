/// Aggregates each key's elements per event-time window and emits one ``WindowResult`` per
/// key and window when the watermark passes the window's end.
///
/// Create it from a ``KeyBy``:
///
/// ```swift
/// KeyBy(\Order.customer)
///     .window(.tumbling(.seconds(60)), allowedLateness: .seconds(5),
///             eventTime: { Timestamp($0.placedAt) }) {
///         Count()
///         Sum(\.amount)
///     }
///     .parallelism(2)
/// // → WindowResult<String, (Int, Double)>
/// ```
///
/// An element later than its window's end plus the allowed lateness cannot change any result:
/// it goes to the late-event side output (``KeyedStage/lateEvents(_:)``), or, without one, is
/// kept as a dead letter ("late event …"); either way it is counted in the report, never dropped. A late
/// element within the allowed lateness updates its window, which is emitted again with
/// `firing == .late`. With `earlyFiring`, partial results (`firing == .early`) come before
/// the window closes.
public struct WindowStage<Key: Hashable & Sendable, Element: Sendable, A: Aggregation>: TransformStage
where A.Input == Element {
    /// Keyed elements in.
    public typealias Input = Keyed<Key, Element>
    /// One result per key and window out.
    public typealias Output = WindowResult<Key, A.Output>

    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let assigner: WindowAssigner
    @usableFromInline let allowedLateness: Int64
    @usableFromInline let eventTime: @Sendable (Element) -> Timestamp
    @usableFromInline let aggregation: A
    @usableFromInline let earlyFiring: EarlyFiring?

    /// A window stage; prefer ``KeyBy/window(_:allowedLateness:earlyFiring:eventTime:_:)``.
    @inlinable public init(_ assigner: WindowAssigner, allowedLateness: Duration = .zero, earlyFiring: EarlyFiring? = nil,
                           eventTime: @escaping @Sendable (Element) -> Timestamp, aggregation: A) {
        self.assigner = assigner
        self.earlyFiring = earlyFiring
        self.allowedLateness = max(0, WindowAssigner.milliseconds(allowedLateness))
        self.eventTime = eventTime
        self.aggregation = aggregation
    }

    /// `window`.
    public var defaultName: String { "window" }
    /// The assigner and lateness.
    public var detail: String {
        allowedLateness > 0 ? "\(assigner), lateness \(allowedLateness) ms" : assigner.description
    }

    /// Needed for early results every interval.
    public var needsProcessingTime: Bool {
        if case .everyInterval = earlyFiring?.kind { return true }
        return false
    }

    /// Creates an instance; an assigner with a non-positive size fails here, naming it.
    @inlinable public func makeOperator(_ context: StageContext) throws -> Operator {
        if let problem = assigner.problem ?? earlyFiring?.problem { throw RecordError(problem) }
        if earlyFiring != nil, assigner.isSession { throw RecordError("early firing is supported for tumbling and sliding windows, not sessions") }
        return Operator(stage: self)
    }

    /// The running form of ``WindowStage``.
    public struct Operator: TransformOperator {
        @usableFromInline struct WindowID: Hashable {
            @usableFromInline let key: Key
            @usableFromInline let start: Int64
            @inlinable init(key: Key, start: Int64) {
                self.key = key
                self.start = start
            }
        }

        @usableFromInline struct FixedWindow {
            @usableFromInline var state: A.State
            @usableFromInline var fired = false
            /// Elements added since the last result.
            @usableFromInline var sinceLastResult = 0
            @inlinable init(state: A.State) { self.state = state }
        }

        @usableFromInline struct Session {
            @usableFromInline var start: Int64
            @usableFromInline var end: Int64
            @usableFromInline var state: A.State
            @usableFromInline var fired: Bool
            @inlinable init(start: Int64, end: Int64, state: A.State, fired: Bool) {
                self.start = start
                self.end = end
                self.state = state
                self.fired = fired
            }
        }

        @usableFromInline let stage: WindowStage
        @usableFromInline var watermark = Int64.min
        /// The newest watermark short of the end of input (+∞), which is what a checkpoint
        /// saves: a run that resumes with new input (a micro-batch reading what is new) judges
        /// lateness from the event time the input reached, not from the end that flushed it.
        @usableFromInline var reachedWatermark = Int64.min
        @usableFromInline var windows: [WindowID: FixedWindow] = [:]
        @usableFromInline var sessions: [Key: [Session]] = [:]
        /// Windows (or session keys) to emit, by the end at which they fire.
        @usableFromInline var dueAt = TimerQueue<WindowID>()
        /// Fired windows kept for late updates, by the time they may be dropped.
        @usableFromInline var expireAt = TimerQueue<WindowID>()
        @usableFromInline var starts: [Int64] = []

        @inlinable init(stage: WindowStage) { self.stage = stage }

        @inlinable var length: Int64 { stage.assigner.length }

        /// `a + b` without overflow.
        @inlinable static func add(_ a: Int64, _ b: Int64) -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? (b > 0 ? .max : .min) : sum
        }

        /// Adds one element to its windows.
        @inlinable public mutating func process(_ element: Keyed<Key, Element>, into output: inout Emitter<Output>) throws {
            let time = stage.eventTime(element.value)
            let millis = time.millisecondsSinceEpoch
            if stage.assigner.isSession {
                addToSession(element, at: time, into: &output)
                return
            }
            stage.assigner.windowStarts(containing: millis, into: &starts)
            var accepted = false
            for start in starts {
                let end = Self.add(start, length)
                let id = WindowID(key: element.key, start: start)
                if end > watermark {
                    // One lookup of the window, creating it if new: hashing the key is most of
                    // the cost of an element here.
                    var created = false
                    let aggregation = stage.aggregation
                    let sinceLastResult = Self.absorb(element.value, at: time, aggregation: aggregation,
                                                      into: &windows[id, default: Self.newWindow(aggregation, created: &created)])
                    if created { dueAt.schedule(id, at: end) }
                    if case .everyElements(let count) = stage.earlyFiring?.kind, sinceLastResult >= count {
                        emitEarly(id, into: &output)
                    }
                    accepted = true
                } else if Self.add(end, stage.allowedLateness) > watermark {
                    if windows[id] == nil {
                        windows[id] = FixedWindow(state: stage.aggregation.makeState())
                        expireAt.schedule(id, at: Self.add(end, stage.allowedLateness))
                    }
                    stage.aggregation.add(element.value, at: time, to: &windows[id]!.state)
                    windows[id]!.fired = true
                    output.emit(WindowResult(key: element.key, start: Timestamp(millisecondsSinceEpoch: start),
                                             end: Timestamp(millisecondsSinceEpoch: end),
                                             value: stage.aggregation.result(of: windows[id]!.state), firing: .late))
                    accepted = true
                }
            }
            if !accepted { divertLate(element, at: millis, into: &output) }
        }

        @inlinable static func newWindow(_ aggregation: A, created: inout Bool) -> FixedWindow {
            created = true
            return FixedWindow(state: aggregation.makeState())
        }

        /// Adds `value` to `window`; returns its count of elements since its last result.
        @inlinable static func absorb(_ value: Element, at time: Timestamp, aggregation: A, into window: inout FixedWindow) -> Int {
            aggregation.add(value, at: time, to: &window.state)
            window.sinceLastResult += 1
            return window.sinceLastResult
        }

        @inlinable mutating func emitEarly(_ id: WindowID, into output: inout Emitter<Output>) {
            guard let window = windows[id] else { return }
            windows[id]!.sinceLastResult = 0
            output.emit(WindowResult(key: id.key, start: Timestamp(millisecondsSinceEpoch: id.start),
                                     end: Timestamp(millisecondsSinceEpoch: Self.add(id.start, length)),
                                     value: stage.aggregation.result(of: window.state), firing: .early))
        }

        @usableFromInline var nextEarlyFiring = Timestamp.min

        /// Emits partial results of the windows that changed, every interval.
        @inlinable public mutating func onProcessingTime(_ now: Timestamp, into output: inout Emitter<Output>) throws {
            guard case .everyInterval(let interval) = stage.earlyFiring?.kind else { return }
            if nextEarlyFiring == .min { nextEarlyFiring = now.advanced(by: .milliseconds(interval)) }
            guard now >= nextEarlyFiring else { return }
            nextEarlyFiring = now.advanced(by: .milliseconds(interval))
            let changed = windows.filter { !$0.value.fired && $0.value.sinceLastResult > 0 }.keys
            for id in changed.sorted(by: { ($0.start, "\($0.key)") < ($1.start, "\($1.key)") }) { emitEarly(id, into: &output) }
        }

        @inlinable mutating func divertLate(_ element: Keyed<Key, Element>, at millis: Int64, into output: inout Emitter<Output>) {
            output.emitLate(element.value, reason:
                "late event: event time \(millis) ms is \(watermark - millis) ms behind the watermark, beyond the allowed lateness of \(stage.allowedLateness) ms")
        }

        @inlinable mutating func addToSession(_ element: Keyed<Key, Element>, at time: Timestamp, into output: inout Emitter<Output>) {
            let start = time.millisecondsSinceEpoch
            let end = Self.add(start, length)
            guard Self.add(end, stage.allowedLateness) > watermark else {
                divertLate(element, at: start, into: &output)
                return
            }
            var merged = Session(start: start, end: end, state: stage.aggregation.makeState(), fired: false)
            stage.aggregation.add(element.value, at: time, to: &merged.state)
            var others: [Session] = []
            for session in sessions[element.key] ?? [] {
                if session.start < merged.end && merged.start < session.end {
                    merged.start = min(merged.start, session.start)
                    merged.end = max(merged.end, session.end)
                    stage.aggregation.merge(session.state, into: &merged.state)
                    merged.fired = merged.fired || session.fired
                } else {
                    others.append(session)
                }
            }
            others.append(merged)
            sessions[element.key] = others
            // Sessions are found again by key and end when a timer fires.
            let id = WindowID(key: element.key, start: merged.end)
            if merged.end > watermark {
                dueAt.schedule(id, at: merged.end)
            } else {
                output.emit(WindowResult(key: element.key, start: Timestamp(millisecondsSinceEpoch: merged.start),
                                         end: Timestamp(millisecondsSinceEpoch: merged.end),
                                         value: stage.aggregation.result(of: merged.state), firing: .late))
                markFired(key: element.key, end: merged.end)
            }
        }

        @inlinable mutating func markFired(key: Key, end: Int64) {
            guard var list = sessions[key], let index = list.firstIndex(where: { $0.end == end }) else { return }
            if stage.allowedLateness == 0 {
                list.remove(at: index)
            } else {
                list[index].fired = true
                expireAt.schedule(WindowID(key: key, start: end), at: Self.add(end, stage.allowedLateness))
            }
            sessions[key] = list.isEmpty ? nil : list
        }

        /// Emits every window whose end the watermark has passed, then drops windows whose
        /// allowed lateness has run out.
        @inlinable public mutating func onWatermark(_ time: Timestamp, into output: inout Emitter<Output>) throws {
            watermark = max(watermark, time.millisecondsSinceEpoch)
            if time != .max { reachedWatermark = max(reachedWatermark, time.millisecondsSinceEpoch) }
            while let (end, ids) = dueAt.popDue(atOrBefore: watermark) {
                for id in ids {
                    if stage.assigner.isSession {
                        guard let session = sessions[id.key]?.first(where: { $0.end == end }) else { continue }
                        output.emit(WindowResult(key: id.key, start: Timestamp(millisecondsSinceEpoch: session.start),
                                                 end: Timestamp(millisecondsSinceEpoch: session.end),
                                                 value: stage.aggregation.result(of: session.state), firing: session.fired ? .late : .onTime))
                        markFired(key: id.key, end: end)
                    } else if let window = stage.allowedLateness == 0 ? windows.removeValue(forKey: id) : windows[id] {
                        output.emit(WindowResult(key: id.key, start: Timestamp(millisecondsSinceEpoch: id.start),
                                                 end: Timestamp(millisecondsSinceEpoch: end),
                                                 value: stage.aggregation.result(of: window.state), firing: window.fired ? .late : .onTime))
                        if stage.allowedLateness != 0 {
                            windows[id]!.fired = true
                            expireAt.schedule(id, at: Self.add(end, stage.allowedLateness))
                        }
                    }
                }
            }
            while let (expiry, ids) = expireAt.popDue(atOrBefore: watermark) {
                for id in ids {
                    if stage.assigner.isSession {
                        let end = Self.add(expiry, -stage.allowedLateness)
                        if var list = sessions[id.key] {
                            list.removeAll { $0.end == end && $0.fired }
                            sessions[id.key] = list.isEmpty ? nil : list
                        }
                    } else if windows[id]?.fired == true, Self.add(Self.add(id.start, length), stage.allowedLateness) <= watermark {
                        windows[id] = nil
                    }
                }
            }
        }
    }
}

/// Items scheduled at instants of event time, taken out in time order.
@usableFromInline struct TimerQueue<Item> {
    @usableFromInline var itemsAt: [Int64: [Item]] = [:]
    /// Distinct instants, ascending, from `head` on (those before were taken out; they are
    /// dropped in bulk, so taking one out costs no shifting).
    @usableFromInline var instants: [Int64] = []
    @usableFromInline var head = 0

    @inlinable init() {}

    @inlinable mutating func schedule(_ item: Item, at instant: Int64) {
        var isNew = false
        itemsAt[instant, default: Self.firstItems(&isNew)].append(item)
        if isNew {
            var low = head
            var high = instants.count
            // Instants mostly arrive in increasing order: check the end first.
            if high > low, instants[high - 1] < instant {
                low = high
            }
            while low < high {
                let middle = (low + high) / 2
                if instants[middle] < instant { low = middle + 1 } else { high = middle }
            }
            instants.insert(instant, at: low)
        }
    }

    @inlinable static func firstItems(_ isNew: inout Bool) -> [Item] {
        isNew = true
        return []
    }

    /// The earliest instant at or before `limit` and its items, removed.
    @inlinable mutating func popDue(atOrBefore limit: Int64) -> (Int64, [Item])? {
        guard head < instants.count, instants[head] <= limit else { return nil }
        let first = instants[head]
        head += 1
        if head >= 1024, head * 2 >= instants.count {
            instants.removeFirst(head)
            head = 0
        }
        return (first, itemsAt.removeValue(forKey: first) ?? [])
    }
}

extension KeyBy {
    /// Keys the stream and aggregates each key's elements per event-time window.
    ///
    /// ```swift
    /// KeyBy(\Event.user).window(.tumbling(.seconds(60)),
    ///                           eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
    ///     Count()
    ///     Sum(\.amount)
    /// }
    /// ```
    @inlinable public func window<A: Aggregation>(
        _ assigner: WindowAssigner, allowedLateness: Duration = .zero, earlyFiring: EarlyFiring? = nil,
        eventTime: @escaping @Sendable (Element) -> Timestamp,
        @AggregationBuilder<Element> _ aggregations: () -> A
    ) -> KeyedStage<Key, Element, WindowStage<Key, Element, A>> where A.Input == Element {
        KeyedStage(keyBy: self, stage: WindowStage(assigner, allowedLateness: allowedLateness, earlyFiring: earlyFiring,
                                                     eventTime: eventTime, aggregation: aggregations()))
    }
}


import Testing
import Sluice
import SluiceTesting

struct PlacedOrder: Sendable, Equatable {
    var id: String
    var time: Timestamp
}

/// The documented example: drops an order whose id was seen in the last 24 hours.
struct DropRepeatedOrders: KeyedProcessFunction {
    struct State: Equatable { var firstSeen: Timestamp? }
    func initialState(for id: String) -> State { State() }
    func process(_ order: PlacedOrder, key id: String, state: inout State,
                 context: inout KeyedContext, into output: inout Emitter<PlacedOrder>) {
        guard state.firstSeen == nil else { return }
        state.firstSeen = order.time
        output.emit(order)
        context.setTimer(at: order.time.advanced(by: .seconds(86_400)))
    }
    func onTimer(at time: Timestamp, key id: String, state: inout State,
                 context: inout KeyedContext, into output: inout Emitter<PlacedOrder>) {
        context.clearState()
    }
}

/// Emits "key@time" for every timer, in the order they fire; cancels its timer at 20.
struct TimerLog: KeyedProcessFunction {
    func initialState(for key: String) -> Int { 0 }
    func process(_ time: Int64, key: String, state: inout Int, context: inout KeyedContext,
                 into output: inout Emitter<String>) throws {
        if time < 0 { state += 100; throw RecordError("negative time") }
        state += 1
        if time == 20 { context.cancelTimer(at: Timestamp(millisecondsSinceEpoch: 20)) } else {
            context.setTimer(at: Timestamp(millisecondsSinceEpoch: time))
        }
    }
    func onTimer(at time: Timestamp, key: String, state: inout Int, context: inout KeyedContext,
                 into output: inout Emitter<String>) {
        output.emit("\(key)@\(time.millisecondsSinceEpoch) after \(state)")
    }
}

let day: Int64 = 86_400_000
func order(_ id: String, _ millis: Int64) -> PlacedOrder { PlacedOrder(id: id, time: Timestamp(millisecondsSinceEpoch: millis)) }

@Suite struct KeyedProcessTests {
    @Test func stateAndTimersExpireAnIdAfterADay() throws {
        var harness = try KeyedProcessHarness(DropRepeatedOrders())
        try harness.push(order("o1", 1_000), key: "o1")
        try harness.push(order("o1", 5_000), key: "o1")
        #expect(harness.takeOutput() == [order("o1", 1_000)])
        #expect(harness.state(for: "o1") == DropRepeatedOrders.State(firstSeen: Timestamp(millisecondsSinceEpoch: 1_000)))
        #expect(harness.timers(for: "o1") == [Timestamp(millisecondsSinceEpoch: 1_000 + day)])
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 1_000 + day - 1))
        #expect(harness.state(for: "o1") != nil, "the day is not over")
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 1_000 + day))
        #expect(harness.state(for: "o1") == nil)
        #expect(harness.timers(for: "o1").isEmpty)
        try harness.push(order("o1", 2 * day), key: "o1")
        #expect(harness.takeOutput() == [order("o1", 2 * day)])
    }

    @Test func timersFireInTimeOrderOnceEachAndCanBeCancelled() throws {
        var harness = try KeyedProcessHarness(TimerLog())
        try harness.push(30, key: "b")
        try harness.push(10, key: "a")
        try harness.push(10, key: "a")        // same timer again: fires once
        try harness.push(20, key: "c")        // cancels a timer it never set: nothing happens
        try harness.push(25, key: "a")
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 25))
        #expect(harness.takeOutput() == ["a@10 after 3", "a@25 after 3"])
        try harness.endInput()
        #expect(harness.takeOutput() == ["b@30 after 1"])
    }

    @Test func aRejectedElementKeepsItsStateChanges() throws {
        var harness = try KeyedProcessHarness(TimerLog(), errorPolicy: .deadLetter)
        try harness.push(-1, key: "a")
        #expect(harness.deadLetters.first?.error == "negative time")
        #expect(harness.state(for: "a") == 100)
    }

    @Test func keyedStateRunsInParallelInAPipeline() async throws {
        let orders = (0..<6_000).map { order("o\($0 % 1_000)", Int64($0) * 60_000) }   // each id every 1,000 minutes
        let kept = Collector<PlacedOrder>()
        _ = try await Pipeline("dedup") {
            Source.collection(orders).eventTime(maxOutOfOrderness: .zero) { $0.time }
            KeyBy(\PlacedOrder.id).process(DropRepeatedOrders()).parallelism(2)
            Sink.collect(into: kept)
        }.run(options: RunOptions(chunkSize: 100))
        // An id repeats every 1,000 minutes (under a day), so only the first of each stays
        // until a day has passed since it: 1,000 minutes × 6 = 6,000 minutes > 1 day = 1,440 minutes.
        let expected = orders.reduce(into: (seen: [String: Int64](), kept: [PlacedOrder]())) { result, next in
            if let first = result.seen[next.id], next.time.millisecondsSinceEpoch < first + day { return }
            result.seen[next.id] = next.time.millisecondsSinceEpoch
            result.kept.append(next)
        }.kept
        #expect(kept.elements.map(\.id).sorted() == expected.map(\.id).sorted())
        #expect(kept.elements.count > 1_000 && kept.elements.count < 6_000)
    }
}

/// Emits "key quiet" when a key has had no element for 5 s of processing time.
struct QuietAlert: KeyedProcessFunction {
    var usesProcessingTime: Bool { true }
    func initialState(for key: String) -> Timestamp? { nil }
    func process(_ event: Int, key: String, state: inout Timestamp?, context: inout KeyedContext,
                 into output: inout Emitter<String>) {
        if let previous = state { context.cancelProcessingTimeTimer(at: previous) }
        let alarm = context.processingTime.advanced(by: .seconds(5))
        state = alarm
        context.setProcessingTimeTimer(at: alarm)
    }
    func onProcessingTimer(at time: Timestamp, key: String, state: inout Timestamp?, context: inout KeyedContext,
                           into output: inout Emitter<String>) {
        output.emit("\(key) quiet at \(time.millisecondsSinceEpoch)")
        context.clearState()
    }
}

@Suite struct ProcessingTimeTimerTests {
    @Test func processingTimeTimersFireAndCanBeRescheduled() throws {
        var harness = try KeyedProcessHarness(QuietAlert())
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 0))
        try harness.push(1, key: "a")
        try harness.push(1, key: "b")
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 3_000))
        try harness.push(2, key: "a")                        // moves a's alarm to 8,000
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 5_000))
        #expect(harness.takeOutput() == ["b quiet at 5000"])
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 8_000))
        #expect(harness.takeOutput() == ["a quiet at 8000"])
        #expect(harness.keys.isEmpty)
    }

    @Test func aRunDeliversProcessingTimeToKeyedFunctions() async throws {
        let clock = ManualClock()
        let (gate, release) = AsyncStream<Void>.makeStream()
        let out = Collector<String>()
        let run = Task {
            try await Pipeline("quiet keys") {
                OpenSource(elements: [1, 2, 3], until: gate)
                KeyBy { (n: Int) in "k\(n % 2)" }.process(QuietAlert())
                Sink.collect(into: out)
            }.run(options: RunOptions(clock: clock, tickInterval: .milliseconds(500)))
        }
        for _ in 0..<12 {
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(500))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while out.elements.count < 2, ContinuousClock.now < deadline { await Task.yield() }
        #expect(out.elements.count == 2)
        #expect(out.elements.allSatisfy { $0.contains("quiet") })
        release.yield()
        _ = try await run.value
    }
}

/// Emits its elements, then stays open until the gate opens.
struct OpenSource: SourceStage {
    typealias Output = Int
    var settings = StageSettings()
    var defaultName: String { "open" }
    let elements: [Int]
    let until: AsyncStream<Void>
    struct Reader: SourceReader {
        var elements: [Int]
        let until: AsyncStream<Void>
        mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
            if !elements.isEmpty {
                output.emit(contentsOf: elements)
                elements = []
                return true
            }
            for await _ in until { break }
            return false
        }
    }
    func makeReader(_ context: StageContext) -> Reader { Reader(elements: elements, until: until) }
}

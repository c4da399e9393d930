import Testing
import Sluice
import SluiceTesting

struct Sale: Sendable, Equatable, CustomStringConvertible {
    var shop: String
    var ms: Int64
    var amount: Double
    var description: String { "\(shop)@\(ms):\(amount)" }
}

func keyed(_ sale: Sale) -> Keyed<String, Sale> { Keyed(key: sale.shop, value: sale) }
let saleTime: @Sendable (Sale) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ms) }

struct Row: Equatable, CustomStringConvertible {
    var key: String, start: Int64, end: Int64, count: Int, sum: Double, update: Bool
    init(_ key: String, _ start: Int64, _ end: Int64, _ count: Int, _ sum: Double, update: Bool = false) {
        (self.key, self.start, self.end, self.count, self.sum, self.update) = (key, start, end, count, sum, update)
    }
    init(_ result: WindowResult<String, (Int, Double)>) {
        self.init(result.key, result.start.millisecondsSinceEpoch, result.end.millisecondsSinceEpoch,
                  result.value.0, result.value.1, update: result.isUpdate)
    }
    var description: String { "\(key)[\(start),\(end)) n=\(count) Σ=\(sum)\(update ? " update" : "")" }
}

func countAndSum(_ assigner: WindowAssigner, lateness: Duration = .zero) -> WindowStage<String, Sale, Aggregations.Pair<Count<Sale>, Sum<Sale, Double>>> {
    KeyBy(\Sale.shop).window(assigner, allowedLateness: lateness, eventTime: saleTime) {
        Count()
        Sum(\.amount)
    }.stage
}

@Suite struct WindowTests {
    @Test func tumblingWindowsFireWhenTheWatermarkPassesTheirEnd() throws {
        var harness = try StageHarness(countAndSum(.tumbling(.milliseconds(10))))
        try harness.push(contentsOf: [Sale(shop: "a", ms: 1, amount: 1), Sale(shop: "b", ms: 5, amount: 2),
                                      Sale(shop: "a", ms: 9, amount: 3), Sale(shop: "a", ms: 12, amount: 4)].map(keyed))
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 9))
        #expect(harness.takeOutput().isEmpty, "[0, 10) is not complete while 9 may still come")
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 10))
        #expect(harness.takeOutput().map(Row.init) == [Row("a", 0, 10, 2, 4), Row("b", 0, 10, 1, 2)])
        try harness.pushWatermark(.max)
        #expect(harness.takeOutput().map(Row.init) == [Row("a", 10, 20, 1, 4)])
        try harness.endInput()
        #expect(harness.finish().isClean)
    }

    @Test func slidingWindowsCountAnElementInEveryWindowThatHoldsIt() throws {
        let output = try StageHarness.run(countAndSum(.sliding(.milliseconds(10), every: .milliseconds(5))),
                                          on: [Sale(shop: "a", ms: 7, amount: 1), Sale(shop: "a", ms: -2, amount: 10)].map(keyed),
                                          chunkSize: 1)
        #expect(output.map(Row.init) == [Row("a", -10, 0, 1, 10), Row("a", -5, 5, 1, 10), Row("a", 0, 10, 1, 1), Row("a", 5, 15, 1, 1)])
    }

    @Test func sessionsMergeWhenAnElementBridgesThem() throws {
        var harness = try StageHarness(countAndSum(.session(gap: .milliseconds(10))))
        try harness.push(contentsOf: [Sale(shop: "a", ms: 0, amount: 1), Sale(shop: "a", ms: 17, amount: 2),
                                      Sale(shop: "b", ms: 3, amount: 5)].map(keyed))
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 9))
        #expect(harness.takeOutput().isEmpty)
        try harness.push(keyed(Sale(shop: "a", ms: 9, amount: 4)))   // less than 10 from both: one session
        try harness.pushWatermark(.max)
        #expect(Set(harness.takeOutput().map(Row.init).map(\.description)) == Set([Row("a", 0, 27, 3, 7), Row("b", 3, 13, 1, 5)].map(\.description)))
    }

    @Test func lateEventsWithinTheAllowedLatenessUpdateTheirWindow() throws {
        var harness = try StageHarness(countAndSum(.tumbling(.milliseconds(10)), lateness: .milliseconds(5)))
        try harness.push(keyed(Sale(shop: "a", ms: 1, amount: 1)))
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 11))
        #expect(harness.takeOutput().map(Row.init) == [Row("a", 0, 10, 1, 1)])
        try harness.push(keyed(Sale(shop: "a", ms: 2, amount: 2)))    // 9 ms late, window kept until 15
        #expect(harness.takeOutput().map(Row.init) == [Row("a", 0, 10, 2, 3, update: true)])
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 15))
        try harness.push(keyed(Sale(shop: "a", ms: 3, amount: 4)))    // too late: dead-lettered
        #expect(harness.takeOutput().isEmpty)
        #expect(harness.deadLetters.count == 1)
        #expect(harness.deadLetters.first?.error.contains("late event: event time 3 ms is 12 ms behind the watermark") == true)
        #expect(harness.deadLetters.first?.rawInput == "a@3:4.0")
    }

    @Test func eventsBeyondTheLatenessGoToTheLateOutputWhenRouted() throws {
        var harness = try StageHarness(countAndSum(.tumbling(.milliseconds(10)), lateness: .milliseconds(2)),
                                       routesLateEvents: true)
        try harness.push(keyed(Sale(shop: "a", ms: 1, amount: 1)))
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 20))
        #expect(harness.takeOutput().map(Row.init) == [Row("a", 0, 10, 1, 1)])
        let late = [Sale(shop: "a", ms: 3, amount: 4), Sale(shop: "ü", ms: 19, amount: 5), Sale(shop: "b", ms: 0, amount: 6)]
        try harness.push(contentsOf: late.map(keyed))
        try harness.endInput()
        // [10, 20) closed at watermark 20 but is kept 2 ms longer: 19 ms updates it; 3 and 0 are too late.
        #expect(harness.takeOutput().map(Row.init) == [Row("ü", 10, 20, 1, 5, update: true)])
        #expect(harness.lateEvents(as: Sale.self).map(\.ms) == [3, 0])
        #expect(harness.lateCount == 2)
        #expect(harness.deadLetters.isEmpty)
    }

    @Test func everyBuiltInAggregation() throws {
        let sales = [Sale(shop: "a", ms: 4, amount: 2), Sale(shop: "a", ms: 1, amount: 7), Sale(shop: "a", ms: 4, amount: 2),
                     Sale(shop: "a", ms: 9, amount: -1)]
        let stage = KeyBy(\Sale.shop).window(.tumbling(.seconds(1)), eventTime: saleTime) {
            Min(\.amount)
            Max(\.amount)
            Average(\.amount)
            DistinctCount(\.amount)
            Collect()
            First()
            Last()
        }.stage
        let result = try #require(try StageHarness.run(stage, on: sales.map(keyed), chunkSize: 2).first?.value)
        let ((((((minimum, maximum), average), distinct), collected), first), last) = result
        #expect(minimum == -1)
        #expect(maximum == 7)
        #expect(average == 2.5)
        #expect(distinct == 3)
        #expect(collected.map(\.ms) == [1, 4, 4, 9])
        #expect(collected[1].amount == 2 && collected[2].amount == 2)
        #expect(first?.ms == 1)
        #expect(last?.ms == 9)
    }

    @Test func resultsDoNotDependOnChunking() throws {
        let sales = (0..<500).map { Sale(shop: ["a", "b", "c"][$0 % 3], ms: Int64($0 * 7 % 300), amount: Double($0)) }
        for assigner in [WindowAssigner.tumbling(.milliseconds(50)), .sliding(.milliseconds(50), every: .milliseconds(20)),
                         .session(gap: .milliseconds(3))] {
            let stage = countAndSum(assigner)
            let reference = try StageHarness.run(stage, on: sales.map(keyed), chunkSize: 500).map(Row.init).map(\.description).sorted()
            for size in [1, 7, 64] {
                #expect(try StageHarness.run(stage, on: sales.map(keyed), chunkSize: size).map(Row.init).map(\.description).sorted() == reference)
            }
        }
    }

    @Test func windowsRunInParallelWithTheSameResults() async throws {
        let sales = (0..<20_000).map { Sale(shop: "shop\($0 % 97)", ms: Int64($0), amount: 1) }
        func run(_ parallelism: Int) async throws -> [String] {
            let out = Collector<WindowResult<String, (Int, Double)>>()
            _ = try await Pipeline("parallel windows") {
                Source.collection(sales).eventTime(maxOutOfOrderness: .zero, saleTime)
                KeyBy(\Sale.shop).window(.tumbling(.seconds(1)), eventTime: saleTime) {
                    Count()
                    Sum(\.amount)
                }.parallelism(parallelism)
                Sink.collect(into: out)
            }.run(options: RunOptions(chunkSize: 256))
            return out.elements.map(Row.init).map(\.description).sorted()
        }
        let sequential = try await run(1)
        #expect(sequential.count == 97 * 20)
        #expect(try await run(3) == sequential)
    }

    @Test func anInvalidWindowFailsTheRunNamingTheStage() async throws {
        await #expect {
            try await Pipeline("bad window") {
                Source.collection([Sale(shop: "a", ms: 1, amount: 1)])
                KeyBy(\Sale.shop).window(.tumbling(.zero), eventTime: saleTime) { Count() }.named("per minute")
                Sink.collect(into: Collector<WindowResult<String, Int>>())
            }.run()
        } throws: { error in
            (error as? PipelineRunError)?.stage == "per minute" && "\(error)".contains("a tumbling window needs a positive size")
        }
    }
}

@Suite struct EarlyFiringTests {
    func stage(_ firing: EarlyFiring, _ assigner: WindowAssigner = .tumbling(.seconds(1))) -> WindowStage<String, Sale, Count<Sale>> {
        KeyBy(\Sale.shop).window(assigner, earlyFiring: firing, eventTime: saleTime) { Count() }.stage
    }

    @Test func everyNElementsGivesPartialResultsBeforeTheFinalOne() throws {
        var harness = try StageHarness(stage(.everyElements(2)))
        try harness.push(contentsOf: (1...5).map { keyed(Sale(shop: "a", ms: Int64($0), amount: 1)) })
        #expect(harness.takeOutput().map { "\($0.value) \($0.firing)" } == ["2 early", "4 early"])
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 1_000))
        #expect(harness.takeOutput().map { "\($0.value) \($0.firing)" } == ["5 onTime"])
    }

    @Test func everyIntervalGivesPartialResultsForWindowsThatChanged() throws {
        var harness = try StageHarness(stage(.every(.seconds(10))))
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 0))
        try harness.push(keyed(Sale(shop: "a", ms: 1, amount: 1)), keyed(Sale(shop: "b", ms: 2, amount: 1)))
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 9_999))
        #expect(harness.output.isEmpty)
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 10_000))
        #expect(harness.takeOutput().map { "\($0.key) \($0.value) \($0.firing)" } == ["a 1 early", "b 1 early"])
        try harness.push(keyed(Sale(shop: "a", ms: 3, amount: 1)))
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 20_000))
        #expect(harness.takeOutput().map { "\($0.key) \($0.value) \($0.firing)" } == ["a 2 early"], "b did not change")
        try harness.endInput()
        #expect(harness.takeOutput().map { "\($0.key) \($0.value) \($0.firing)" }.sorted() == ["a 2 onTime", "b 1 onTime"])
    }

    @Test func earlyFiringIsRefusedForSessions() {
        #expect(throws: RecordError.self) { try StageHarness(stage(.everyElements(3), .session(gap: .seconds(1)))) }
        #expect(throws: RecordError.self) { try StageHarness(stage(.everyElements(0))) }
    }
}

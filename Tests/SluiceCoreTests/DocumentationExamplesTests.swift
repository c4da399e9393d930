import Foundation
import Testing
import Sluice
import SluiceTesting

// The examples of README.md and Documentation/CustomStages.md, compiled and run.

struct Order: Codable, Sendable, Equatable {
    var id: String
    var customer: String
    var amount: Double
}

struct DropRepeatedIDs: TransformStage {
    var settings = StageSettings()
    var defaultName: String { "drop repeated ids" }

    func makeOperator(_ context: StageContext) -> Operator { Operator() }

    struct Operator: TransformOperator {
        var seen: Set<String> = []
        mutating func process(_ order: Order, into output: inout Emitter<Order>) {
            if seen.insert(order.id).inserted { output.emit(order) }
        }
    }
}

struct Countdown: SourceStage {
    typealias Output = Int
    var settings = StageSettings()
    var from: Int
    var defaultName: String { "countdown" }

    func makeReader(_ context: StageContext) async throws -> Reader { Reader(next: from) }

    struct Reader: SourceReader {
        var next: Int
        mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
            for _ in 0..<limit where next >= 0 {
                output.emit(next)
                next -= 1
            }
            return next >= 0
        }
        mutating func close() async {}
    }
}

struct LineCounter: SinkStage {
    typealias Input = String
    var settings = StageSettings()
    let total: Accumulator<Int>
    var defaultName: String { "count lines" }
    var maximumParallelism: Int? { 1 }

    func makeWriter(_ context: StageContext) async throws -> Writer { Writer(total: total) }

    struct Writer: SinkWriter {
        let total: Accumulator<Int>
        var count = 0
        mutating func write(_ lines: [String], failures: inout RecordFailures) async throws {
            count += lines.count
        }
        mutating func finish() async throws { total.value = count }
        mutating func abort() async {}
    }
}

struct TimedOrder: Codable, Sendable { var customer: String; var ts: Int64; var amount: Double }
struct Summary: Codable, Sendable, Equatable { var customer: String; var minute: Int64; var orders: Int; var total: Double }

@Suite struct DocumentationExamplesTests {
    @Test func windowsGuideExampleRuns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lines = [("c1", 1_000, 5.0), ("c1", 59_000, 7.0), ("c2", 3_000, 1.0), ("c1", 61_000, 2.0), ("c1", 2_000, 1.0)]
            .map { #"{"customer":"\#($0.0)","ts":\#($0.1),"amount":\#($0.2)}"# }
        let input = try directory.write(lines.joined(separator: "\n"), to: "orders.jsonl")
        let output = directory.file("out/per-minute.jsonl")
        let perMinute = Pipeline("orders per customer and minute") {
            Source.jsonLines(input, as: TimedOrder.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
            KeyBy(\TimedOrder.customer).window(.tumbling(.seconds(60)), allowedLateness: .seconds(30),
                                               eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
                Sum(\.amount)
            }.parallelism(2)
            Map { (result: WindowResult<String, (Int, Double)>) in
                Summary(customer: result.key, minute: result.start.millisecondsSinceEpoch,
                        orders: result.value.0, total: result.value.1)
            }
            Sink.jsonLines(output, of: Summary.self)
        }
        _ = try await perMinute.run(options: RunOptions(chunkSize: 2))
        let decoder = JSONRecordDecoder()
        let summaries = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            .map { try decoder.decode(Summary.self, from: String($0)) }
        #expect(Set(summaries.map { "\($0.customer) \($0.minute) \($0.orders) \($0.total)" })
                == ["c1 0 3 13.0", "c2 0 1 1.0", "c1 60000 1 2.0"])
    }

    @Test func windowsGuideLateEventsExampleRuns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // c9 at 1 s arrives when the watermark is 115 s: behind [0, 60s) + 30 s of lateness.
        let lines = [("c1", 1_000), ("c1", 120_000), ("c9", 1_000), ("c1", 119_000)]
            .map { #"{"customer":"\#($0.0)","ts":\#($0.1),"amount":1}"# }
        let input = try directory.write(lines.joined(separator: "\n"), to: "orders.jsonl")
        let late = directory.file("late-customers.jsonl")
        let counts = directory.file("counts.jsonl")
        let report = try await Pipeline("orders per minute") {
            Source.jsonLines(input, as: TimedOrder.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
            KeyBy(\TimedOrder.customer)
                .window(.tumbling(.seconds(60)), allowedLateness: .seconds(30),
                        eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) { Count() }
                .lateEvents {
                    Map { (order: TimedOrder) in order.customer }
                    Sink.jsonLines(late, of: String.self)
                }
            Sink.jsonLines(counts, of: WindowResult<String, Int>.self)
        }.run(options: RunOptions(chunkSize: 1))   // a watermark after every record, as in a trickling stream
        #expect(try String(contentsOfFile: late, encoding: .utf8) == "\"c9\"\n")
        #expect(report.totalLate == 1)
        #expect(try String(contentsOfFile: counts, encoding: .utf8).split(separator: "\n").count == 3)   // c1: [0, 60s), [60s, 120s), [120s, 180s)
    }

    @Test func readmeExampleRuns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.file("landing"), withIntermediateDirectories: true)
        try directory.write(#"{"id":"1","customer":"c1","amount":150}"# + "\n" + #"{"id":"2","customer":"c2","amount":5}"# + "\nbroken\n",
                            to: "landing/orders-1.jsonl")
        try directory.write(#"{"id":"3","customer":"c1","amount":300}"#, to: "landing/orders-2.jsonl")
        let root = directory.path
        let pipeline = Pipeline("big-orders") {
            Source.jsonLines("\(root)/landing/orders-*.jsonl", as: Order.self).onError(.deadLetter)
            Filter { (order: Order) in order.amount > 100 }
            KeyBy(\Order.customer)
            Map { (order: Keyed<String, Order>) in order.value }.parallelism(2)
            Sink.jsonLines("\(root)/warehouse/big-orders.jsonl", of: Order.self)
        }.deadLetters(to: Sink.jsonLines("\(root)/warehouse/rejected.jsonl", of: DeadLetter.self))
        let report = try await pipeline.run()
        let written = try directory.read("warehouse/big-orders.jsonl").split(separator: "\n")
        #expect(written.count == 2)
        #expect(report.totalDeadLettered == 1)
        let rejected = try JSONRecordDecoder().decode(DeadLetter.self, from: try directory.read("warehouse/rejected.jsonl"))
        #expect(rejected.rawInput == "broken")
        #expect(rejected.location?.line == 3)
    }

    @Test func customStagesFromTheGuideRun() async throws {
        let total = Accumulator(0)
        _ = try await Pipeline("countdown") {
            Countdown(from: 2_500)
            Map { (n: Int) in "line \(n)" }
            LineCounter(total: total)
        }.run(options: RunOptions(chunkSize: 100))
        #expect(total.value == 2_501)

        let orders = [Order(id: "a", customer: "x", amount: 1), Order(id: "b", customer: "y", amount: 2),
                      Order(id: "a", customer: "x", amount: 1)]
        let unique = Collector<Order>()
        _ = try await Pipeline("orders") {
            Source.collection(orders)
            KeyBy(\Order.id)
            Map { (keyed: Keyed<String, Order>) in keyed.value }
            DropRepeatedIDs().parallelism(2)
            Sink.collect(into: unique)
        }.run()
        #expect(unique.elements.map(\.id).sorted() == ["a", "b"])
    }

    @Test func testingGuideExample() throws {
        func order(_ id: String) -> Order { Order(id: id, customer: "c", amount: 1) }
        var harness = try StageHarness(DropRepeatedIDs())
        try harness.push(order("a"), order("b"))
        try harness.push(order("a"))
        try harness.endInput()
        #expect(harness.takeOutput().map(\.id) == ["a", "b"])
        #expect(harness.finish().isClean)
    }

    /// GettingStarted.md shows the retail-analytics pipeline as the sample compiles it: the
    /// block must appear, line for line, in the sample's source.
    @Test func gettingStartedShowsTheRetailSampleAsItIs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("Documentation/GettingStarted.md"), encoding: .utf8)
        let sample = try String(contentsOf: root.appendingPathComponent("Samples/RetailAnalytics/main.swift"), encoding: .utf8)
        let section = try #require(guide.components(separatedBy: "## A whole job: retail analytics").last)
        let block = try #require(section.components(separatedBy: "```swift\n").dropFirst().first?.components(separatedBy: "```").first)
        #expect(block.split(separator: "\n").count > 30)
        #expect(sample.contains(block), "the guide's retail pipeline differs from Samples/RetailAnalytics/main.swift")
    }

    /// GettingStarted.md: operators chained on a stream need no type annotations.
    @Test func gettingStartedChainedStreamRuns() async throws {
        struct Row: Decodable, Sendable { var id: String; var amount: Double }
        struct Payment: Codable, Sendable { var id: String; var cents: Int }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("id,amount\np1,12.5\np2,-1\np3,x\n", to: "payments.csv")
        let payments = DataStream("payments") { Source.csv(directory.file("payments.csv"), as: Row.self).onError(.deadLetter) }
        let pipeline = Pipeline("payments") {
            payments
                .filter { $0.amount > 0 }
                .map { Payment(id: $0.id, cents: Int(($0.amount * 100).rounded())) }
                .write(to: Sink.jsonLines(directory.file("out/payments.jsonl")))
        }
        let report = try await pipeline.run()
        #expect(try directory.read("out/payments.jsonl") == #"{"id":"p1","cents":1250}"# + "\n")
        #expect(report.deadLetters.count == 1)
    }

    /// RuntimeModel.md: several outputs, progress, micro-batches.
    @Test func runtimeModelExamplesRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"id":"o1","customer":"c1","amount":50}"# + "\n" + #"{"id":"o2","customer":"c2","amount":150}"# + "\n",
                            to: "orders.jsonl")
        try await Pipeline("orders") {
            Source.jsonLines(directory.file("orders.jsonl"), as: Order.self)
            FanOut {
                Sink.jsonLines(directory.file("all.jsonl"), of: Order.self)
                Flow("big") { Filter { (order: Order) in order.amount > 100 }; Sink.jsonLines(directory.file("big.jsonl"), of: Order.self) }
            }
        }.run(options: RunOptions(progress: RunProgress.printToStandardError))
        #expect(try directory.read("all.jsonl").split(separator: "\n").count == 2)
        #expect(try directory.read("big.jsonl").split(separator: "\n").count == 1)

        // Streams used in several places.
        let orders = DataStream("orders") { Source.jsonLines(directory.file("orders.jsonl"), as: Order.self) }
        let big = orders.filter { $0.amount > 100 }
        try await Pipeline("orders") {
            orders.write(to: Sink.jsonLines(directory.file("all-again.jsonl")))
            big.map { $0.id }.write(to: Sink.jsonLines(directory.file("big-ids.jsonl")))
            Flow("customers of big orders") {
                orders
                KeyBy(\Order.customer).join(Flow { big; KeyBy(\Order.customer) })
                Map { (joined: Joined<String, Order, Order>) in joined.key }
                Sink.jsonLines(directory.file("customers.jsonl"), of: String.self)
            }
        }.run()
        #expect(try directory.read("all-again.jsonl").split(separator: "\n").count == 2)
        #expect(try directory.read("big-ids.jsonl") == "\"o2\"\n")
        #expect(try directory.read("customers.jsonl") == "\"c2\"\n")

        // Stages with several outputs.
        struct Problem: Codable, Sendable { var id: String; var reason: String }
        let (large, regular, problems) = orders.split(("big", "regular", "problems")) { order -> Route3<Order, Order, Problem> in
            if order.amount <= 0 { return .third(Problem(id: order.id, reason: "no amount")) }
            return order.amount > 100 ? .first(order) : .second(order)
        }
        try await Pipeline("orders by size") {
            large.write(to: Sink.jsonLines(directory.file("big.jsonl")))
            regular.map { $0.id }.write(to: Sink.jsonLines(directory.file("regular-ids.jsonl")))
            problems.write(to: Sink.jsonLines(directory.file("problems.jsonl")))
        }.run()
        #expect(try directory.read("regular-ids.jsonl") == "\"o1\"\n")
        #expect(try directory.read("problems.jsonl") == "")

        struct Event: Codable, Sendable { var id: String; var payload: String }
        let batches = Collector<[Event]>()
        try await Pipeline("bulk upload") {
            Source.collection((0..<1_200).map { Event(id: "e\($0)", payload: "p") })
            Batch(maxCount: 500, maxBytes: 1 << 20, size: { (event: Event) in event.payload.utf8.count }, maxDelay: .seconds(1))
            Sink.collect(into: batches)
        }.run()
        #expect(batches.elements.map(\.count) == [500, 500, 200])
    }

    /// Standardisation.md: deduplication within a day of event time.
    @Test func deduplicationWithinADayCompiles() {
        struct Placed: Sendable { var id: String; var placedAt: Int64 }
        _ = Pipeline("dedup") {
            Source.collection([Placed(id: "a", placedAt: 0)])
            KeyBy(\Placed.id).deduplicate(within: .seconds(24 * 3600)) { Timestamp(millisecondsSinceEpoch: $0.placedAt) }
            Sink.collect(into: Collector<Placed>())
        }
    }
}

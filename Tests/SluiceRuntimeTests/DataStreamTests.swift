import Foundation
import Synchronization
import Testing
import Sluice
import SluiceTesting

/// Streams used in several places of one pipeline: read once, every place gets every element,
/// joins of two uses of one stream, diamonds that resume exactly once, and backpressure from
/// the slowest user.
@Suite struct DataStreamTests {
    @Test func aStreamUsedInSeveralPlacesIsReadOnceAndFeedsEveryPlace() async throws {
        let generated = Atomic<Int>(0)
        let numbers = DataStream("numbers") {
            Source.generate(count: 1_000) { index -> Int in
                generated.add(1, ordering: .relaxed)
                return index
            }.named("count")
        }
        let evens = Collector<Int>(), tens = Collector<Int>(), all = Collector<Int>()
        let pipeline = Pipeline("reuse") {
            numbers.filter { $0 % 2 == 0 }.write(to: Sink.collect(into: evens))
            numbers.map { $0 * 10 }.write(to: Sink.collect(into: tens))
            Flow("everything") {
                numbers
                Sink.collect(into: all)
            }
        }
        #expect(pipeline.graph.nodes.filter { $0.kind == .source }.count == 1)
        #expect(pipeline.graph.consumers(of: pipeline.graph.nodes[0].id).count == 3)
        #expect(pipeline.graph.nodes[0].flowPath == ["numbers"])
        #expect(pipeline.validate().isEmpty)
        let report = try await pipeline.run(options: RunOptions(chunkSize: 64))
        #expect(generated.load(ordering: .relaxed) == 1_000)
        #expect(report[stage: "count"]?.recordsOut == 1_000)
        #expect(evens.elements.sorted() == Array(stride(from: 0, to: 1_000, by: 2)))
        #expect(tens.elements.sorted() == (0..<1_000).map { $0 * 10 })
        #expect(all.elements.sorted() == Array(0..<1_000))
        #expect(pipeline.dot().components(separatedBy: "->").count - 1 >= 4)
    }

    struct Event: Codable, Sendable, Hashable {
        var user: String
        var kind: String
        var amount: Int
    }

    struct Pair: Codable, Sendable, Hashable {
        var user: String
        var order: Int
        var click: Int?
    }

    @Test func bothSidesOfAJoinCanComeFromOneStream() async throws {
        let events = (0..<600).map { Event(user: "u\($0 % 7)", kind: $0 % 3 == 0 ? "click" : "order", amount: $0) }
        let stream = DataStream("events") { Source.collection(events) }
        let orders = stream.filter { $0.kind == "order" }
        let clicks = stream.filter { $0.kind == "click" && $0.user != "u6" }
        let joined = Collector<Pair>()
        let pipeline = Pipeline("self-join") {
            orders.through {
                KeyBy(\Event.user).join(Flow { clicks; KeyBy(\Event.user) }, kind: .left)
            }.map { Pair(user: $0.key, order: $0.left.amount, click: $0.right?.amount) }
             .write(to: Sink.collect(into: joined))
        }
        _ = try await pipeline.run(options: RunOptions(chunkSize: 32))
        var expected: [Pair] = []
        for order in events where order.kind == "order" {
            let matches = events.filter { $0.kind == "click" && $0.user == order.user && $0.user != "u6" }
            if matches.isEmpty { expected.append(Pair(user: order.user, order: order.amount, click: nil)) }
            for click in matches { expected.append(Pair(user: order.user, order: order.amount, click: click.amount)) }
        }
        #expect(Set(joined.elements) == Set(expected))
        #expect(joined.elements.count == expected.count)
    }

    struct Total: Codable, Sendable, Hashable {
        var user: String
        var start: Int64
        var count: Int
    }

    /// One read feeds a window and a join: a diamond. Crashed midway and resumed from its
    /// checkpoints, it publishes what an uninterrupted run does, each line once.
    @Test(arguments: [400, 1_500]) func aDiamondResumesExactlyOnce(crashAt: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lines = (0..<2_000).map { index in
            #"{"id":"e\#(index)","user":"u\#(index % 11)","ts":\#(index * 100 + (index % 4) * 30),"amount":\#(index % 9)}"#
        }
        try directory.write(lines.joined(separator: "\n") + "\n", to: "spending.jsonl")
        func pipeline(_ out: String, crash: CrashSwitch?) -> Pipeline {
            let spending = DataStream("spending") {
                Source.jsonLines(directory.file("spending.jsonl"), as: Spending.self)
                    .eventTime(maxOutOfOrderness: .milliseconds(200)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
                    .named("read")
                Map { (spending: Spending) throws -> Spending in
                    try crash?.check()
                    return spending
                }
            }
            let big = spending.filter { $0.amount >= 7 }
            return Pipeline("diamond") {
                Flow("totals") {
                    spending
                    KeyBy(\Spending.user).window(.tumbling(.seconds(10)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                        Count()
                    }.named("per-10s")
                    Map { (result: WindowResult<String, Int>) in
                        Total(user: result.key, start: result.start.millisecondsSinceEpoch, count: result.value)
                    }
                    Sink.jsonLines(out + "/totals.jsonl", of: Total.self).named("write totals")
                }
                Flow("big with their window") {
                    spending
                    KeyBy(\Spending.user).windowJoin(Flow { big; KeyBy(\Spending.user) }, window: .seconds(10),
                                                     leftTime: { Timestamp(millisecondsSinceEpoch: $0.ts) },
                                                     rightTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }).named("join")
                    Map { (joined: Joined<String, Spending, Spending>) in "\(joined.left.id)>\(joined.right!.id)" }
                    Sink.jsonLines(out + "/pairs.jsonl", of: String.self).named("write pairs")
                }
            }
        }
        func contents(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
        }
        let expected = directory.file("expected")
        _ = try await pipeline(expected, crash: nil).run(options: RunOptions(chunkSize: 16))
        let out = directory.file("out")
        let policy = CheckpointPolicy.every(.milliseconds(2), in: directory.file("state"))
        let crash = CrashSwitch(at: crashAt)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(out, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        }
        let report = try await pipeline(out, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        #expect(report.sinceFirstStart?.first { $0.name == "read" }?.recordsOut == 2_000)
        #expect(try contents(out + "/totals.jsonl") == contents(expected + "/totals.jsonl"))
        #expect(try contents(out + "/pairs.jsonl") == contents(expected + "/pairs.jsonl"))
        #expect(try contents(expected + "/pairs.jsonl").count > 100)
    }

    /// A slow user of a shared stream holds the shared stages back (bounded channels), so
    /// the source never runs far ahead of it, however fast the other user is.
    @Test func theSlowestUserBoundsTheSharedProducer() async throws {
        let produced = Atomic<Int>(0)
        let slowSeen = Accumulator(0), worst = Accumulator(0)
        let chunk = 100
        let numbers = DataStream("numbers") {
            Source.generate(count: 20_000) { index -> Int in
                produced.add(1, ordering: .relaxed)
                return index
            }
        }
        let fast = Collector<Int>()
        _ = try await Pipeline("backpressure") {
            numbers.write(to: Sink.collect(into: fast))
            numbers.write(to: Sink.forEach { (_: Int) in
                let seen = slowSeen.value + 1
                slowSeen.value = seen
                if seen % chunk == 0 {
                    await Task.yield()
                    worst.value = max(worst.value, produced.load(ordering: .relaxed) - seen)
                }
            })
        }.run(options: RunOptions(chunkSize: chunk, channelCapacity: 2))
        #expect(fast.elements.count == 20_000 && slowSeen.value == 20_000)
        #expect(worst.value <= 6 * chunk, "in flight: \(worst.value)")
    }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

/// Stages with several typed outputs: each element reaches only the stages reading its
/// output, every output must be used, and a resumed run publishes each element once.
@Suite struct SplitTests {
    struct Order: Codable, Sendable, Hashable { var id: Int; var amount: Int }
    struct Problem: Codable, Sendable, Hashable { var id: Int; var reason: String }

    static let orders = (0..<3_000).map { Order(id: $0, amount: $0 % 10 == 0 ? -1 : $0 % 1_000) }

    static func route(_ order: Order) -> Route3<Order, Order, Problem> {
        if order.amount < 0 { return .third(Problem(id: order.id, reason: "negative amount")) }
        return order.amount >= 900 ? .first(order) : .second(order)
    }

    @Test func eachElementReachesOnlyTheStagesReadingItsOutput() async throws {
        let orders = DataStream("orders") { Source.collection(Self.orders) }
        let (vip, regular, invalid) = orders.split(("vip", "regular", "invalid"), Self.route)
        let vipOut = Collector<Order>(), regularOut = Collector<Int>(), invalidOut = Collector<Problem>()
        let pipeline = Pipeline("split") {
            vip.write(to: Sink.collect(into: vipOut).named("vip orders"))
            regular.map { $0.id }.write(to: Sink.collect(into: regularOut).named("regular ids"))
            invalid.write(to: Sink.collect(into: invalidOut).named("problems"))
        }
        #expect(pipeline.validate().isEmpty)
        #expect(pipeline.description.contains("← output 'invalid' of split"))
        #expect(pipeline.dot().contains("label=\"vip\""))
        let report = try await pipeline.run(options: RunOptions(chunkSize: 50))
        let expectedVIP = Self.orders.filter { $0.amount >= 900 }
        let expectedInvalid = Self.orders.filter { $0.amount < 0 }
        #expect(Set(vipOut.elements) == Set(expectedVIP) && vipOut.elements.count == expectedVIP.count)
        #expect(Set(invalidOut.elements.map(\.id)) == Set(expectedInvalid.map(\.id)))
        #expect(vipOut.elements.count + regularOut.elements.count + invalidOut.elements.count == Self.orders.count)
        // Each reader saw its own share only: nothing was filtered out downstream.
        #expect(report[stage: "vip orders"]?.recordsIn == expectedVIP.count)
        #expect(report[stage: "problems"]?.recordsIn == expectedInvalid.count)
        #expect(report[stage: "split"]?.recordsIn == Self.orders.count)
    }

    @Test func anOutputNothingReadsIsAProblemBeforeTheRun() async throws {
        let orders = DataStream("orders") { Source.collection(Self.orders) }
        let (matching, _) = orders.partition { $0.amount > 500 }
        let pipeline = Pipeline("half used") {
            matching.write(to: Sink.collect(into: Collector<Order>()))
        }
        #expect(pipeline.validate() == ["stage 'split' sends elements to its output 'rest', which nothing reads: use that stream, or filter those elements out before the split"])
        await #expect(throws: PipelineRunError.self) { _ = try await pipeline.run() }
    }

    @Test func splitOutputsFeedParallelKeyedStagesAndJoinAgain() async throws {
        let orders = DataStream("orders") { Source.collection(Self.orders) }
        let (big, small) = orders.partition { $0.amount >= 500 }
        let counted = Collector<Int>()
        _ = try await Pipeline("rejoin") {
            Merge {
                Flow("big") { big; Map { (order: Order) in order.id }.parallelism(2) }
                Flow("small") { small; KeyBy(\Order.id).deduplicate().parallelism(3); Map { (order: Order) in order.id } }
            }
            Sink.collect(into: counted)
        }.run(options: RunOptions(chunkSize: 7))
        #expect(counted.elements.sorted() == Self.orders.map(\.id))
    }

    /// Crashed midway and resumed, every output publishes each of its elements once.
    @Test func aResumedSplitPublishesEachElementOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let encoder = JSONEncoder()
        try directory.write(Self.orders.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n",
                            to: "orders.jsonl")
        func pipeline(_ out: String, crash: CrashSwitch?) -> Pipeline {
            let orders = DataStream("orders") {
                Source.jsonLines(directory.file("orders.jsonl"), as: Order.self)
                Map { (order: Order) throws -> Order in
                    try crash?.check()
                    return order
                }
            }
            let (vip, regular, invalid) = orders.split(("vip", "regular", "invalid"), Self.route)
            return Pipeline("split") {
                vip.write(to: Sink.jsonLines(out + "/vip.jsonl"))
                regular.write(to: Sink.jsonLines(out + "/regular.jsonl"))
                invalid.write(to: Sink.jsonLines(out + "/invalid.jsonl"))
            }
        }
        func lines(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
        }
        _ = try await pipeline(directory.file("expected"), crash: nil).run(options: RunOptions(chunkSize: 16))
        let policy = CheckpointPolicy.every(.milliseconds(1), in: directory.file("state"))
        let crash = CrashSwitch(at: 1_700)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(directory.file("out"), crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        }
        _ = try await pipeline(directory.file("out"), crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        var total = 0
        for name in ["vip", "regular", "invalid"] {
            let expected = try lines(directory.file("expected/\(name).jsonl"))
            #expect(try lines(directory.file("out/\(name).jsonl")) == expected, "\(name)")
            total += expected.count
        }
        #expect(total == Self.orders.count)
    }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

/// Right and full outer joins of every join stage, and interval joins: results against a
/// brute-force reference, the same for batch and stream, and exactly once across a crash.
@Suite struct OuterAndIntervalJoinTests {
    struct Visit: Codable, Sendable, Hashable { var user: String; var id: Int; var ms: Int64 }

    func describe<L, R>(_ result: OuterJoined<String, L, R>, _ left: (L) -> String, _ right: (R) -> String) -> String {
        "\(result.key):\(result.left.map(left) ?? "nil")→\(result.right.map(right) ?? "nil")"
    }

    @Test func hashJoinAndEnrichmentKeepUnmatchedRightRows() async throws {
        let purchases = [Purchase(customer: "c1", item: "book", ms: 1), Purchase(customer: "c9", item: "cup", ms: 3)]
        let customers = [Customer(id: "c1", name: "Ann"), Customer(id: "c2", name: "Bo"), Customer(id: "c2", name: "Bo (work)")]
        func run(_ kind: OuterJoinKind, latest: Bool) async throws -> [String] {
            let out = Collector<OuterJoined<String, Purchase, Customer>>()
            let table = Flow { Source.collection(customers); KeyBy(\Customer.id) }
            let pipeline = latest
                ? Pipeline("outer") {
                    Source.collection(purchases)
                    KeyBy(\Purchase.customer).enrich(with: table, kind: kind).parallelism(2)
                    Sink.collect(into: out)
                }
                : Pipeline("outer") {
                    Source.collection(purchases)
                    KeyBy(\Purchase.customer).join(table, kind: kind).parallelism(2)
                    Sink.collect(into: out)
                }
            _ = try await pipeline.run(options: RunOptions(chunkSize: 1))
            return out.elements.map { describe($0, \.item, \.name) }.sorted()
        }
        #expect(try await run(.right, latest: false) == ["c1:book→Ann", "c2:nil→Bo", "c2:nil→Bo (work)"])
        #expect(try await run(.full, latest: false) == ["c1:book→Ann", "c2:nil→Bo", "c2:nil→Bo (work)", "c9:cup→nil"])
        #expect(try await run(.full, latest: true) == ["c1:book→Ann", "c2:nil→Bo (work)", "c9:cup→nil"])
    }

    struct Row: Codable, Sendable, Hashable { var key: String; var n: Int }

    /// A restored right join still knows which keys were asked for before the checkpoint.
    @Test func aRightHashJoinKeepsTheKeysAskedForAcrossARestore() throws {
        let stage = TableJoin<String, Row, Row, OuterJoined<String, Row, Row>>(
            right: Flow { Source.collection([Row]()); KeyBy(\Row.key) }, sides: OuterJoinKind.right.sides, matches: .all, waitForTable: true)
        var join = stage.makeOperator(StageContext(stageName: "join"))
        var output = Emitter<OuterJoined<String, Row, Row>>(failures: RecordFailures(stage: "join", policy: .fail))
        for (key, n) in [("a", 1), ("b", 2)] { join.processRight(Keyed(key: key, value: Row(key: key, n: n)), into: &output) }
        join.endRight(into: &output)
        join.processLeft(Keyed(key: "a", value: Row(key: "a", n: 10)), into: &output)
        #expect(output.takeElements().map { "\($0.left?.n ?? 0)→\($0.right?.n ?? 0)" } == ["10→1"])
        var restored = stage.makeOperator(StageContext(stageName: "join"))
        restored.restore(from: [join.snapshot()], scope: RestoreScope(instance: 0, parallelism: 1))
        restored.finish(into: &output)
        #expect(output.takeElements().map { "\($0.left?.n ?? 0)→\($0.right?.n ?? 0)" } == ["0→2"])
    }

    @Test func windowJoinKeepsAWindowsUnmatchedSide() async throws {
        let clicks = [Click(user: "c1", ms: 5), Click(user: "c1", ms: 25), Click(user: "c2", ms: 30)]
        let purchases = [Purchase(customer: "c1", item: "a", ms: 8), Purchase(customer: "c1", item: "b", ms: 12)]
        func run(_ kind: OuterJoinKind) async throws -> [String] {
            let out = Collector<OuterJoined<String, Purchase, Click>>()
            _ = try await Pipeline("outer window join") {
                Source.collection(purchases)
                KeyBy(\Purchase.customer).windowJoin(Flow { Source.collection(clicks); KeyBy(\Click.user) }, window: .milliseconds(10),
                                                     kind: kind, leftTime: { Timestamp(millisecondsSinceEpoch: $0.ms) },
                                                     rightTime: { Timestamp(millisecondsSinceEpoch: $0.ms) })
                Sink.collect(into: out)
            }.run()
            return out.elements.map { describe($0, \.item, { "\($0.ms)" }) }.sorted()
        }
        #expect(try await run(.right) == ["c1:a→5", "c1:nil→25", "c2:nil→30"])
        #expect(try await run(.full) == ["c1:a→5", "c1:b→nil", "c1:nil→25", "c2:nil→30"])
    }

    /// Orders and visits with a little disorder, a few users, times over ten seconds.
    static func data(seed: UInt64) -> (orders: [Visit], visits: [Visit]) {
        var random = SplitMix64(seed: seed)
        func events(_ count: Int, idBase: Int) -> [Visit] {
            (0..<count).map { index in
                let ms = Int64(index * 25) + Int64(random.next() % 40)    // up to 40 ms out of order
                return Visit(user: "u\(random.next() % 5)", id: idBase + index, ms: ms)
            }
        }
        return (events(300, idBase: 0), events(400, idBase: 10_000))
    }

    /// What an interval join must give, by comparing every pair.
    static func reference(_ orders: [Visit], _ visits: [Visit], lower: Int64, upper: Int64, sides: JoinSides) -> [String] {
        var results: [String] = []
        var matchedVisits = Set<Int>()
        for order in orders {
            let matches = visits.filter { $0.user == order.user && (lower...upper).contains($0.ms - order.ms) }
            for visit in matches { results.append("\(order.user):\(order.id)→\(visit.id)") }
            matchedVisits.formUnion(matches.map(\.id))
            if matches.isEmpty, sides.keepsUnmatchedLeft { results.append("\(order.user):\(order.id)→nil") }
        }
        if sides.keepsUnmatchedRight {
            for visit in visits where !matchedVisits.contains(visit.id) { results.append("\(visit.user):nil→\(visit.id)") }
        }
        return results.sorted()
    }

    func intervalJoin(_ orders: [Visit], _ visits: [Visit], kind: OuterJoinKind?, inner: JoinKind = .inner,
                      streaming: Bool, parallelism: Int, chunkSize: Int) async throws -> [String] {
        let time: @Sendable (Visit) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ms) }
        // Streaming: watermarks advance during the run (elements expire as it goes); batch:
        // they do not, and everything is settled when the inputs end.
        let left = streaming ? Flow { Source.collection(orders).eventTime(maxOutOfOrderness: .milliseconds(50), time) }
                             : Flow { Source.collection(orders) }
        let right = streaming ? Flow { Source.collection(visits).eventTime(maxOutOfOrderness: .milliseconds(50), time); KeyBy(\Visit.user) }
                              : Flow { Source.collection(visits); KeyBy(\Visit.user) }
        let name = { (visit: Visit?) in visit.map { "\($0.id)" } ?? "nil" }
        if let kind {
            let out = Collector<OuterJoined<String, Visit, Visit>>()
            _ = try await Pipeline("interval") {
                left
                KeyBy(\Visit.user).intervalJoin(right, between: .milliseconds(-300) ... .milliseconds(200), kind: kind,
                                                leftTime: time, rightTime: time).parallelism(parallelism)
                Sink.collect(into: out)
            }.run(options: RunOptions(chunkSize: chunkSize))
            return out.elements.map { "\($0.key):\(name($0.left))→\(name($0.right))" }.sorted()
        }
        let out = Collector<Joined<String, Visit, Visit>>()
        _ = try await Pipeline("interval") {
            left
            KeyBy(\Visit.user).intervalJoin(right, between: .milliseconds(-300) ... .milliseconds(200), kind: inner,
                                            leftTime: time, rightTime: time).parallelism(parallelism)
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: chunkSize))
        return out.elements.map { "\($0.key):\($0.left.id)→\(name($0.right))" }.sorted()
    }

    @Test(arguments: [1, 2, 3]) func intervalJoinsMatchTheReferenceInBatchAndStream(seed: UInt64) async throws {
        let (orders, visits) = Self.data(seed: seed)
        for (kind, inner) in [(OuterJoinKind?.none, JoinKind.inner), (nil, .left), (.right, .inner), (.full, .inner)] {
            let sides = kind?.sides ?? inner.sides
            let expected = Self.reference(orders, visits, lower: -300, upper: 200, sides: sides)
            #expect(expected.count > 100)
            let batch = try await intervalJoin(orders, visits, kind: kind, inner: inner, streaming: false, parallelism: 1, chunkSize: 64)
            let stream = try await intervalJoin(orders, visits, kind: kind, inner: inner, streaming: true, parallelism: 2, chunkSize: 7)
            #expect(batch == expected, "\(sides) batch")
            #expect(stream == expected, "\(sides) stream")
        }
    }

    /// A full window join and a full hash join give the same results whether the inputs are
    /// read as a batch or streamed with watermarks, in any chunking and parallelism.
    @Test func outerWindowAndHashJoinsAreTheSameInBatchAndStream() async throws {
        let (orders, visits) = Self.data(seed: 5)
        let time: @Sendable (Visit) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ms) }
        func windowJoin(streaming: Bool, parallelism: Int, chunkSize: Int) async throws -> [String] {
            let left = streaming ? Flow { Source.collection(orders).eventTime(maxOutOfOrderness: .milliseconds(50), time) }
                                 : Flow { Source.collection(orders) }
            let right = streaming ? Flow { Source.collection(visits).eventTime(maxOutOfOrderness: .milliseconds(50), time); KeyBy(\Visit.user) }
                                  : Flow { Source.collection(visits); KeyBy(\Visit.user) }
            let out = Collector<OuterJoined<String, Visit, Visit>>()
            _ = try await Pipeline("window") {
                left
                KeyBy(\Visit.user).windowJoin(right, window: .milliseconds(500), kind: .full, leftTime: time, rightTime: time)
                    .parallelism(parallelism)
                Sink.collect(into: out)
            }.run(options: RunOptions(chunkSize: chunkSize))
            return out.elements.map { "\($0.key):\($0.left?.id ?? -1)→\($0.right?.id ?? -1)" }.sorted()
        }
        let batch = try await windowJoin(streaming: false, parallelism: 1, chunkSize: 64)
        #expect(batch.count > 100)
        #expect(try await windowJoin(streaming: true, parallelism: 2, chunkSize: 5) == batch)
        func hashJoin(chunkSize: Int, parallelism: Int) async throws -> [String] {
            let out = Collector<OuterJoined<String, Visit, Visit>>()
            _ = try await Pipeline("hash") {
                Source.collection(orders)
                KeyBy(\Visit.user).join(Flow { Source.collection(visits.filter { $0.user != "u1" }); KeyBy(\Visit.user) }, kind: .full)
                    .parallelism(parallelism)
                Sink.collect(into: out)
            }.run(options: RunOptions(chunkSize: chunkSize))
            return out.elements.map { "\($0.key):\($0.left?.id ?? -1)→\($0.right?.id ?? -1)" }.sorted()
        }
        #expect(try await hashJoin(chunkSize: 3, parallelism: 2) == hashJoin(chunkSize: 256, parallelism: 1))
    }

    @Test func aLateElementOfAnIntervalJoinIsADeadLetter() throws {
        let stage = IntervalJoin<String, Visit, Visit, OuterJoined<String, Visit, Visit>>(
            right: Flow { Source.collection([Visit]()); KeyBy(\Visit.user) }, between: .milliseconds(-10) ... .zero,
            sides: OuterJoinKind.full.sides, leftTime: { Timestamp(millisecondsSinceEpoch: $0.ms) },
            rightTime: { Timestamp(millisecondsSinceEpoch: $0.ms) })
        var join = stage.makeOperator(StageContext(stageName: "join"))
        var output = Emitter<OuterJoined<String, Visit, Visit>>(failures: RecordFailures(stage: "join", policy: .deadLetter))
        join.processRight(Keyed(key: "u", value: Visit(user: "u", id: 1, ms: 95)), into: &output)
        join.processLeft(Keyed(key: "u", value: Visit(user: "u", id: 2, ms: 100)), into: &output)
        #expect(output.takeElements().map { "\($0.left!.id)→\($0.right!.id)" } == ["2→1"])
        join.onWatermark(Timestamp(millisecondsSinceEpoch: 101), into: &output)
        #expect(output.takeElements().isEmpty, "both matched: nothing alone")
        join.processLeft(Keyed(key: "u", value: Visit(user: "u", id: 3, ms: 90)), into: &output)
        #expect(output.failures.deadLetters.map(\.error)
                == ["late event: event time 90 ms is behind the watermark 101 ms; the elements it could join with are gone"])
        join.processRight(Keyed(key: "u", value: Visit(user: "u", id: 4, ms: 120)), into: &output)
        join.finish(into: &output)
        #expect(output.takeElements().map { "\($0.left?.id ?? 0)→\($0.right?.id ?? 0)" } == ["0→4"])
    }

    /// Crashed midway and resumed from its checkpoints, a full interval join publishes what an
    /// uninterrupted run does: its waiting elements and what has matched survive.
    @Test func aFullIntervalJoinResumesExactlyOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (orders, visits) = Self.data(seed: 9)
        let encoder = JSONEncoder()
        try directory.write(orders.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n", to: "orders.jsonl")
        try directory.write(visits.map { String(decoding: try! encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n", to: "visits.jsonl")
        let time: @Sendable (Visit) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ms) }
        func pipeline(_ out: String, crash: CrashSwitch?) -> Pipeline {
            Pipeline("interval") {
                Source.jsonLines(directory.file("orders.jsonl"), as: Visit.self).eventTime(maxOutOfOrderness: .milliseconds(50), time)
                Map { (visit: Visit) throws -> Visit in
                    try crash?.check()
                    return visit
                }
                KeyBy(\Visit.user).intervalJoin(Flow {
                    Source.jsonLines(directory.file("visits.jsonl"), as: Visit.self).eventTime(maxOutOfOrderness: .milliseconds(50), time)
                    KeyBy(\Visit.user)
                }, between: .milliseconds(-300) ... .milliseconds(200), kind: .full, leftTime: time, rightTime: time).parallelism(2)
                Map { (joined: OuterJoined<String, Visit, Visit>) in "\(joined.left?.id ?? -1)>\(joined.right?.id ?? -1)" }
                Sink.jsonLines(out, of: String.self)
            }
        }
        func contents(_ path: String) throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
        }
        _ = try await pipeline(directory.file("expected.jsonl"), crash: nil).run(options: RunOptions(chunkSize: 8))
        let policy = CheckpointPolicy.every(.milliseconds(1), in: directory.file("state"))
        let crash = CrashSwitch(at: 200)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(directory.file("out.jsonl"), crash: crash).run(options: RunOptions(chunkSize: 8), checkpoints: policy)
        }
        _ = try await pipeline(directory.file("out.jsonl"), crash: crash).run(options: RunOptions(chunkSize: 8), checkpoints: policy)
        let expected = try contents(directory.file("expected.jsonl"))
        #expect(try contents(directory.file("out.jsonl")) == expected)
        let reference = Self.reference(orders, visits, lower: -300, upper: 200, sides: OuterJoinKind.full.sides)
        #expect(expected.count == reference.count)
    }
}

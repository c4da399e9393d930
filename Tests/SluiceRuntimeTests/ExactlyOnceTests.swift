import Foundation
import Synchronization
import Testing
import Sluice
import SluiceTesting

struct Spending: Codable, Sendable, Equatable {
    var id: String
    var user: String
    var ts: Int64
    var amount: Double
}

struct SpendTotal: Codable, Sendable, Hashable {
    var user: String
    var start: Int64
    var count: Int
    var sum: Double
}

/// Throws once, at the `at`-th element it sees, then never again: a crash in the middle of a run.
final class CrashSwitch: Sendable {
    private let seen = Mutex(0)
    private let armed: Mutex<Bool>
    let at: Int
    init(at: Int, armed: Bool = true) {
        self.at = at
        self.armed = Mutex(armed)
    }
    func check() throws {
        let crash = seen.withLock { seen -> Bool in
            seen += 1
            return seen == at
        }
        if crash, armed.withLock({ armed in defer { armed = false }; return armed }) {
            throw RecordError("simulated crash at element \(at)")
        }
    }
}

/// Drops events whose id was seen before (ids repeat in the input).
struct DropRepeatedIDs: KeyedProcessFunction {
    func initialState(for key: String) -> Bool { false }
    func process(_ event: Spending, key: String, state seen: inout Bool, context: inout KeyedContext,
                 into output: inout Emitter<Spending>) {
        if !seen { output.emit(event) }
        seen = true
    }
}

@Suite(.serialized) struct ExactlyOnceTests {
    /// Writes `count` purchases over three files, every 7th repeating an earlier id.
    func writeInput(_ directory: TemporaryDirectory, count: Int) throws -> String {
        try FileManager.default.createDirectory(atPath: directory.file("in"), withIntermediateDirectories: true)
        for file in 0..<3 {
            var lines: [String] = []
            for index in stride(from: file, to: count, by: 3) {
                let id = index % 7 == 6 ? index - 3 : index
                let ts = Int64(index * 250 + (index % 5) * 40)     // a little disorder
                lines.append(#"{"id":"e\#(id)","user":"u\#(index % 13)","ts":\#(ts),"amount":\#(Double(index % 50) + 0.25)}"#)
            }
            try directory.write(lines.joined(separator: "\n") + "\n", to: "in/part-\(file).jsonl")
        }
        return directory.file("in/*.jsonl")
    }

    func pipeline(input: String, output: String, crash: CrashSwitch?) -> Pipeline {
        Pipeline("exactly-once") {
            Source.jsonLines(input, as: Spending.self)
                .eventTime(maxOutOfOrderness: .milliseconds(500)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
                .named("purchases")
            Map { (purchase: Spending) throws -> Spending in
                try crash?.check()
                return purchase
            }
            KeyBy(\Spending.id).process(DropRepeatedIDs()).named("dedup").parallelism(2)
            KeyBy(\Spending.user).window(.tumbling(.seconds(5)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
                Sum(\.amount)
            }.named("per-5s").parallelism(2)
            Map { (result: WindowResult<String, (Int, Double)>) in
                SpendTotal(user: result.key, start: result.start.millisecondsSinceEpoch, count: result.value.0, sum: result.value.1)
            }
            Sink.jsonLines(output, of: SpendTotal.self).named("totals")
        }
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
    }

    @Test(arguments: [150, 900, 1_700]) func aRunThatFailsMidwayAndResumesPublishesEachResultOnce(crashAt: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 2_000)
        let expectedPath = directory.file("expected.jsonl")
        _ = try await pipeline(input: input, output: expectedPath, crash: nil).run(options: RunOptions(chunkSize: 16))
        let expected = try lines(expectedPath)
        #expect(!expected.isEmpty)

        let output = directory.file("out/totals.jsonl")
        let state = directory.file("state")
        let policy = CheckpointPolicy.every(.milliseconds(2), in: state)
        let crash = CrashSwitch(at: crashAt)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(input: input, output: output, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        }
        let report = try await pipeline(input: input, output: output, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        #expect(try lines(output) == expected)
        #expect(report.checkpoints?.completed ?? 0 >= 1)
        // This run read what the crashed one had not checkpointed; since the first start, every
        // event was read exactly once.
        #expect(report.sinceFirstStart?.first { $0.name == "purchases" }?.recordsOut == 2_000)
        if report.checkpoints?.restoredFrom != nil {
            #expect(report[stage: "purchases"]?.recordsOut ?? 0 < 2_000)
            #expect(report.description.contains("since the first start"))
        }
        // No hidden parts are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.file("out")).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func aCompletedRunResumedAgainAddsNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 300)
        let output = directory.file("totals.jsonl")
        let policy = CheckpointPolicy.every(.milliseconds(5), in: directory.file("state"))
        _ = try await pipeline(input: input, output: output, crash: nil).run(checkpoints: policy)
        let first = try lines(output)
        let again = try await pipeline(input: input, output: output, crash: nil).run(checkpoints: policy)
        #expect(try lines(output) == first)
        #expect(again.checkpoints?.restoredFrom != nil)
        #expect(again[stage: "purchases"]?.recordsOut == 0)
    }

    /// The newest checkpoint folder.
    func newestCheckpoint(in state: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasPrefix("chk-") }.sorted()
        return state + "/" + names.last!
    }

    /// A run of 3,000 events with a checkpoint every millisecond, failed at event 2,900:
    /// what a resumed run needs, the output an uninterrupted run gives, and the newest
    /// complete checkpoint (with at least one complete one before it).
    struct CrashedRun {
        let input: String, expected: String, output: String
        let policy: CheckpointPolicy
        let crash: CrashSwitch
        let newest: String
    }

    func crashedRun(in directory: TemporaryDirectory) async throws -> CrashedRun {
        let input = try writeInput(directory, count: 3_000)
        let expected = directory.file("expected.jsonl")
        _ = try await pipeline(input: input, output: expected, crash: nil).run(options: RunOptions(chunkSize: 16))
        let output = directory.file("totals.jsonl")
        let state = directory.file("state")
        let policy = CheckpointPolicy.every(.milliseconds(1), in: state, keep: 5)
        let crash = CrashSwitch(at: 2_900)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(input: input, output: output, crash: crash).run(options: RunOptions(chunkSize: 8), checkpoints: policy)
        }
        let complete = try FileManager.default.contentsOfDirectory(atPath: state).filter {
            $0.hasPrefix("chk-") && FileManager.default.fileExists(atPath: state + "/" + $0 + "/_manifest.json")
        }.sorted()
        try #require(complete.count >= 2, "too few checkpoints before the crash to test this")
        return CrashedRun(input: input, expected: expected, output: output, policy: policy, crash: crash,
                          newest: state + "/" + complete.last!)
    }

    @Test func aDamagedNewestCheckpointIsSkippedForTheOneBefore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = try await crashedRun(in: directory)
        // Tear the newest: a part file cut short, as by a crash while it was written.
        let part = run.newest + "/0.part"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: part))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: part))
        let report = try await pipeline(input: run.input, output: run.output, crash: run.crash)
            .run(options: RunOptions(chunkSize: 8), checkpoints: run.policy)
        #expect(report.checkpoints?.skippedOnRestore.contains { $0.contains(run.newest + "/0.part") } == true)
        #expect(try lines(run.output) == lines(run.expected))
    }

    @Test func oneFlippedBitInTheManifestFallsBackToThePreviousCheckpointAndSaysSo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = try await crashedRun(in: directory)
        let manifest = run.newest + "/_manifest.json"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try #require(text.contains(#""instance" : 0"#))
        // '0' is 0x30 and '1' 0x31: one bit.
        try text.replacingOccurrences(of: #""instance" : 0"#, with: #""instance" : 1"#)
            .write(toFile: manifest, atomically: false, encoding: .utf8)
        let warnings = Mutex<[String]>([])
        var options = RunOptions(chunkSize: 8)
        options.warning = { message in warnings.withLock { $0.append(message) } }
        let report = try await pipeline(input: run.input, output: run.output, crash: run.crash).run(options: options, checkpoints: run.policy)
        #expect(report.checkpoints?.skippedOnRestore.contains { $0.contains("the manifest fails its checksum") } == true)
        // Every skipped checkpoint is told (a newer one the crash left incomplete too).
        let told = warnings.withLock { $0 }
        #expect(told.count == report.checkpoints?.skippedOnRestore.count)
        let damaged = told.filter { $0.contains(manifest + ": the manifest fails its checksum") }
        #expect(damaged.count == 1)
        #expect(damaged.first?.contains("skipped a checkpoint on restore") == true)
        #expect(damaged.first?.contains("resuming from checkpoint") == true)
        #expect(try lines(run.output) == lines(run.expected))
    }

    @Test func onlyDamagedCheckpointsFailTheRestoreSayingWhereAndWhy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 100)
        let state = directory.file("state")
        let policy = CheckpointPolicy.every(.seconds(60), in: state, keep: 1)
        _ = try await pipeline(input: input, output: directory.file("o.jsonl"), crash: nil).run(checkpoints: policy)
        let newest = try newestCheckpoint(in: state)
        try "{ not json".write(toFile: newest + "/_manifest.json", atomically: false, encoding: .utf8)
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(input: input, output: directory.file("o.jsonl"), crash: nil).run(checkpoints: policy)
        }
        #expect(error?.description.contains("no usable checkpoint in \(state)") == true)
        #expect(error?.description.contains("_manifest.json: the manifest has no checksum") == true)
    }

    @Test func aPipelineWithoutAStageThatHasStateRefusesToRestoreUnlessAllowed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 100)
        let state = directory.file("state")
        _ = try await pipeline(input: input, output: directory.file("o.jsonl"), crash: nil)
            .run(checkpoints: .every(.seconds(60), in: state))
        func changed() -> Pipeline {
            Pipeline("exactly-once") {
                Source.jsonLines(input, as: Spending.self).named("purchases")
                KeyBy(\Spending.id).process(DropRepeatedIDs()).named("dedup")
                Map { (spending: Spending) in spending.id }
                Sink.jsonLines(directory.file("ids.jsonl"), of: String.self).named("totals")
            }
        }
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await changed().run(checkpoints: .every(.seconds(60), in: state))
        }
        #expect(error?.description.contains("has state for stage 'per-5s', which this pipeline does not have") == true)
        _ = try await changed().run(checkpoints: .every(.seconds(60), in: state, allowDroppingState: ["per-5s"]))
    }

    /// Keeps a running total, and cannot save it.
    struct RunningTotal: TransformStage {
        var settings = StageSettings()
        var defaultName: String { "running total" }
        func makeOperator(_ context: StageContext) -> Operator { Operator() }
        struct Operator: TransformOperator {
            var total = 0
            mutating func process(_ n: Int, into output: inout Emitter<Int>) {
                total += n
                output.emit(total)
            }
        }
    }

    @Test func aStatefulStageThatCannotBeCheckpointedIsNamed() async throws {
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await Pipeline("totals") {
                Source.collection([1, 2, 3])
                RunningTotal().named("totals")
                Sink.collect(into: Collector<Int>())
            }.run(checkpoints: .every(.seconds(60), in: NSTemporaryDirectory() + "/sluice-\(UUID().uuidString)"))
        }
        #expect(error?.stage == "totals")
        #expect(error?.description.contains("keeps state that cannot be checkpointed") == true)
    }

    @Test func anOpenBatchSurvivesARestore() throws {
        var before = try StageHarness(Batch<Int>(maxCount: 3))
        try before.push(1, 2)
        let saved = try before.snapshot()
        var after = try StageHarness(Batch<Int>(maxCount: 3))
        try after.restore(from: [saved])
        try after.push(3, 4)
        try after.endInput()
        #expect(after.takeOutput() == [[1, 2, 3], [4]])
    }

    @Test func aCSVSinkPublishesItsHeaderOnceAcrossAResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.file("rows.csv")
        let policy = CheckpointPolicy.every(.milliseconds(1), in: directory.file("state"))
        let rows = (0..<3_000).map { SpendTotal(user: "u\($0 % 7)", start: Int64($0), count: $0, sum: Double($0) / 4) }
        func pipeline(_ crash: CrashSwitch) -> Pipeline {
            Pipeline("csv") {
                Source.collection(rows).named("rows")
                Map { (row: SpendTotal) throws -> SpendTotal in
                    try crash.check()
                    return row
                }
                Sink.csv(output, of: SpendTotal.self).named("csv")
            }
        }
        let crash = CrashSwitch(at: 2_000)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(crash).run(options: RunOptions(chunkSize: 4), checkpoints: policy)
        }
        _ = try await pipeline(crash).run(options: RunOptions(chunkSize: 4), checkpoints: policy)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\r\n").map(String.init)
        #expect(lines.first == "user,start,count,sum")
        #expect(lines.dropFirst().count == rows.count)
        #expect(Set(lines.dropFirst()).count == rows.count)
        #expect(lines.filter { $0 == "user,start,count,sum" }.count == 1)
    }

    @Test func aRestartStrategyRecoversInProcessFromTheLastCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 2_000)
        let expectedPath = directory.file("expected.jsonl")
        _ = try await pipeline(input: input, output: expectedPath, crash: nil).run(options: RunOptions(chunkSize: 16))
        let output = directory.file("totals.jsonl")
        let report = try await pipeline(input: input, output: output, crash: CrashSwitch(at: 1_200))
            .run(options: RunOptions(chunkSize: 16), checkpoints: .every(.milliseconds(2), in: directory.file("state")),
                 restart: .fixedDelay(.milliseconds(5), maxAttempts: 2))
        #expect(report.restarts.count == 1)
        #expect(report.restarts.first?.contains("simulated crash at element 1200") == true)
        #expect(try lines(output) == lines(expectedPath))
    }

    @Test func failuresBeyondTheAllowedRestartsEndTheRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let attempts = Mutex(0)
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await Pipeline("always failing") {
                Source.collection([1, 2, 3])
                Map { (n: Int) throws -> Int in
                    if n == 1 { attempts.withLock { $0 += 1 } }
                    throw RecordError("broken")
                }
                Sink.collect(into: Collector<Int>())
            }.run(restart: .fixedDelay(.milliseconds(1), maxAttempts: 2))
        }
        #expect(error?.stage == "map")
        #expect(attempts.withLock { $0 } == 3)
    }

    @Test func exponentialBackoffGrowsToItsMaximum() {
        let strategy = RestartStrategy.exponentialBackoff(initial: .milliseconds(100), maximum: .seconds(1), maxAttempts: 6)
        #expect((1...6).map { strategy.delay(beforeRestart: $0) }
                == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
    }

    @Test func aGracefulStopTakesASavepointAndTheNextRunResumesFromIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.file("numbers.jsonl")
        let policy = CheckpointPolicy.every(.milliseconds(20), in: directory.file("state"))
        func pipeline() -> Pipeline {
            Pipeline("paced") {
                Source.events(count: 4_000, perSecond: 2_000, seed: 1) { index, _ in index }.named("numbers")
                Sink.jsonLines(output, of: Int.self).named("out")
            }
        }
        let stop = StopHandle()
        let running = Task { try await pipeline().run(checkpoints: policy, stop: stop) }
        try await Task.sleep(for: .milliseconds(80))
        stop.requestStop()
        let stopped = try await running.value
        let savepoint = try #require(stopped.stoppedAtSavepoint)
        let published = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        #expect(published == Array(0..<published.count))
        #expect(published.count < 4_000)
        let resumed = try await pipeline().run(checkpoints: policy)
        #expect(resumed.checkpoints?.restoredFrom == savepoint)
        let all = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        #expect(all == Array(0..<4_000))
    }

    @Test func withoutCheckpointsAStopCancelsTheRun() async throws {
        let stop = StopHandle()
        stop.requestStop()
        await #expect(throws: CancellationError.self) {
            _ = try await Pipeline("endless") {
                Source.events(perSecond: 100) { index, _ in index }
                Sink.collect(into: Collector<Int>())
            }.run(stop: stop)
        }
    }

    /// Every line of the visible part files under `directory`, by partition, sorted; and the
    /// hidden files left.
    func partitions(_ directory: String) throws -> (lines: [String], hidden: [String]) {
        var lines: [String] = []
        var hidden: [String] = []
        for case let relative as String in FileManager.default.enumerator(atPath: directory)! {
            let name = (relative as NSString).lastPathComponent
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            if name.hasPrefix(".") { hidden.append(relative); continue }
            let partition = (relative as NSString).deletingLastPathComponent
            lines += try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { "\(partition) \($0)" }
        }
        return (lines.sorted(), hidden)
    }

    @Test func aPartitionedSinkPublishesEachPartOnceAcrossAResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let rows = (0..<4_000).map { SpendTotal(user: "u\($0 % 5)", start: Int64($0), count: $0, sum: 1) }
        func pipeline(_ output: String, crash: CrashSwitch?) -> Pipeline {
            Pipeline("partitioned") {
                Source.collection(rows).named("rows")
                Map { (row: SpendTotal) throws -> SpendTotal in
                    try crash?.check()
                    return row
                }
                Sink.partitionedJSONLines(output, of: SpendTotal.self) { "user=\($0.user)/bucket=\($0.start % 3)" }
                    .named("lake").parallelism(2)
            }
        }
        _ = try await pipeline(directory.file("expected"), crash: nil).run(options: RunOptions(chunkSize: 8))
        let expected = try partitions(directory.file("expected"))
        #expect(expected.lines.count == rows.count && expected.hidden.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("expected")).sorted()
                == ["user=u0", "user=u1", "user=u2", "user=u3", "user=u4"])

        let policy = CheckpointPolicy.every(.milliseconds(1), in: directory.file("state"))
        let crash = CrashSwitch(at: 2_500)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(directory.file("lake"), crash: crash).run(options: RunOptions(chunkSize: 8), checkpoints: policy)
        }
        _ = try await pipeline(directory.file("lake"), crash: crash).run(options: RunOptions(chunkSize: 8), checkpoints: policy)
        let published = try partitions(directory.file("lake"))
        #expect(published.lines == expected.lines)
        #expect(published.hidden.isEmpty)
    }

    @Test func aBadPartitionNameIsADeadLetter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let report = try await Pipeline("bad partitions") {
            Source.collection(["ok", "../escape", "_hidden", ""])
            Sink.partitionedJSONLines(directory.file("out"), of: String.self) { $0 }.onError(.deadLetter)
        }.run()
        #expect(report.deadLetters.map(\.rawInput) == ["../escape", "_hidden", ""])
        #expect(try partitions(directory.file("out")).lines == ["ok \"ok\""])
    }

    struct Tier: Codable, Sendable { var user: String; var tier: String }
    struct Tagged: Codable, Sendable { var id: String; var tier: String?; var amount: Double }

    @Test func joinsKeepTheirStateAcrossAResume() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 3_000)
        let tiers = (0..<13).filter { $0 != 4 }.map { Tier(user: "u\($0)", tier: $0 % 2 == 0 ? "gold" : "basic") }
        func pipeline(_ output: String, crash: CrashSwitch?) -> Pipeline {
            Pipeline("joins") {
                Source.jsonLines(input, as: Spending.self)
                    .eventTime(maxOutOfOrderness: .milliseconds(500)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
                    .named("purchases")
                Map { (spending: Spending) throws -> Spending in
                    try crash?.check()
                    return spending
                }
                KeyBy(\Spending.user).enrich(with: Flow {
                    Source.collection(tiers).named("tiers")
                    KeyBy(\Tier.user)
                }).named("tier").parallelism(2)
                Map { (joined: Joined<String, Spending, Tier>) in
                    Tagged(id: joined.left.id, tier: joined.right?.tier, amount: joined.left.amount)
                }
                Sink.jsonLines(output, of: Tagged.self).named("tagged")
            }
        }
        let expectedPath = directory.file("expected.jsonl")
        _ = try await pipeline(expectedPath, crash: nil).run(options: RunOptions(chunkSize: 16))
        let output = directory.file("tagged.jsonl")
        let policy = CheckpointPolicy.every(.milliseconds(1), in: directory.file("state"))
        let crash = CrashSwitch(at: 2_000)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(output, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        }
        _ = try await pipeline(output, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        #expect(try lines(output) == lines(expectedPath))
        #expect(try lines(output).count == 3_000)
    }

    @Test func aStageWhoseStateTypeChangedRefusesToRestoreUnlessAllowed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.file("state")
        // An endless source, stopped at a savepoint while its windows are open.
        func ticks() -> PacedGeneratorSource<Tick> {
            Source.events(perSecond: 2_000) { index, time in Tick(source: "s\(index % 3)", time: time.millisecondsSinceEpoch) }
        }
        let stop = StopHandle()
        let counting = Pipeline("typed state") {
            ticks().eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.time) }
            Map { (tick: Tick) -> Tick in
                stop.requestStop()
                return tick
            }
            KeyBy(\Tick.source).window(.tumbling(.seconds(3600)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.time) }) {
                Count()
            }.named("per-hour")
            Sink.collect(into: Collector<WindowResult<String, Int>>())
        }
        let stopped = try await counting.run(options: RunOptions(chunkSize: 1), checkpoints: .every(.seconds(60), in: state), stop: stop)
        try #require(stopped.stoppedAtSavepoint != nil)
        func collecting() -> Pipeline {
            Pipeline("typed state") {
                ticks().eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.time) }
                KeyBy(\Tick.source).window(.tumbling(.seconds(3600)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.time) }) {
                    Collect()
                }.named("per-hour")
                Sink.collect(into: Collector<WindowResult<String, [Tick]>>())
            }
        }
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await collecting().run(checkpoints: .every(.seconds(60), in: state))
        }
        #expect(error?.stage == "per-hour")
        #expect(error?.description.contains("does not fit the stage any more") == true)
        let again = StopHandle()
        again.requestStop()
        let allowed = try await collecting().run(checkpoints: .every(.seconds(60), in: state, allowDroppingState: ["per-hour"]), stop: again)
        #expect(allowed.stoppedAtSavepoint != nil)
    }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

/// A file source read by several instances in a pipeline: windows over event time give the
/// sequential read's results, and a run that fails resumes with another parallelism and
/// publishes each result once.
@Suite(.serialized) struct ParallelFileSourceTests {
    /// One file of purchases in time order with up to 400 ms of disorder: no event is late
    /// for a watermark 500 ms behind.
    func writeInput(_ directory: TemporaryDirectory, count: Int) throws -> String {
        var lines: [String] = []
        for index in 0..<count {
            let ts = Int64(index * 20 + (index * 7919 % 5) * 100 - 400)
            lines.append(#"{"id":"e\#(index)","user":"u\#(index % 11)","ts":\#(ts),"amount":\#(Double(index % 50) + 0.25)}"#)
        }
        try directory.write(lines.joined(separator: "\n") + "\n", to: "purchases.jsonl")
        return directory.file("purchases.jsonl")
    }

    func pipeline(input: String, output: String, sources: Int, crash: CrashSwitch?) -> Pipeline {
        Pipeline("parallel-files") {
            Source.jsonLines(input, as: Spending.self).splitSize(2_000)
                .eventTime(maxOutOfOrderness: .milliseconds(500)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
                .named("purchases").parallelism(sources)
            Map { (purchase: Spending) throws -> Spending in
                try crash?.check()
                return purchase
            }.parallelism(sources)
            KeyBy(\Spending.user).window(.tumbling(.seconds(2)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
                Sum(\.amount)
            }.named("per-2s").parallelism(2)
            Map { (result: WindowResult<String, (Int, Double)>) in
                SpendTotal(user: result.key, start: result.start.millisecondsSinceEpoch, count: result.value.0, sum: result.value.1)
            }
            Sink.jsonLines(output, of: SpendTotal.self).named("totals")
        }
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).sorted()
    }

    @Test func windowsOverAParallelReadEqualTheSequentialRead() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 6_000)
        let sequential = try await pipeline(input: input, output: directory.file("one.jsonl"), sources: 1, crash: nil)
            .run(options: RunOptions(chunkSize: 16))
        #expect(sequential.totalDeadLettered == 0)
        let expected = try lines(directory.file("one.jsonl"))
        #expect(expected.count > 100)
        for sources in [2, 3] {
            let report = try await pipeline(input: input, output: directory.file("many.jsonl"), sources: sources, crash: nil)
                .run(options: RunOptions(chunkSize: 16))
            #expect(try lines(directory.file("many.jsonl")) == expected, "\(sources) instances")
            #expect(report[stage: "purchases"]?.recordsOut == 6_000)
            #expect(report.totalDeadLettered == 0)
        }
    }

    @Test(arguments: [(3, 1), (1, 3), (2, 3)]) func aFailedRunResumesWithAnotherParallelismExactlyOnce(before: Int, after: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 6_000)
        _ = try await pipeline(input: input, output: directory.file("expected.jsonl"), sources: 1, crash: nil)
            .run(options: RunOptions(chunkSize: 16))
        let expected = try lines(directory.file("expected.jsonl"))

        let output = directory.file("out/totals.jsonl")
        let policy = CheckpointPolicy.every(.milliseconds(2), in: directory.file("state"))
        let crash = CrashSwitch(at: 3_500)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(input: input, output: output, sources: before, crash: crash)
                .run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        }
        let report = try await pipeline(input: input, output: output, sources: after, crash: crash)
            .run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        #expect(try lines(output) == expected)
        #expect(report.sinceFirstStart?.first { $0.name == "purchases" }?.recordsOut == 6_000)
        if report.checkpoints?.restoredFrom != nil {
            #expect(report[stage: "purchases"]?.recordsOut ?? 0 < 6_000)
        }
    }

    /// A wrapper of the source (ingestion metadata) resumes from every instance's position
    /// too, not only from its own.
    @Test func aSourceWithIngestionMetadataResumesWithAnotherParallelism() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try writeInput(directory, count: 6_000)
        func pipeline(_ output: String, sources: Int, crash: CrashSwitch?) -> Pipeline {
            Pipeline("ingested-files") {
                Source.jsonLines(input, as: Spending.self).splitSize(2_000).withIngestion().named("purchases").parallelism(sources)
                Map { (purchase: Ingested<Spending>) throws -> Spending in
                    try crash?.check()
                    return purchase.value
                }.parallelism(sources)
                Sink.jsonLines(output, of: Spending.self).named("out")
            }
        }
        _ = try await pipeline(directory.file("expected.jsonl"), sources: 1, crash: nil).run(options: RunOptions(chunkSize: 16))
        let output = directory.file("out/purchases.jsonl")
        let policy = CheckpointPolicy.every(.milliseconds(2), in: directory.file("state"))
        let crash = CrashSwitch(at: 3_500)
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(output, sources: 3, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        }
        _ = try await pipeline(output, sources: 2, crash: crash).run(options: RunOptions(chunkSize: 16), checkpoints: policy)
        #expect(try lines(output) == lines(directory.file("expected.jsonl")))
    }
}

import Foundation
import Synchronization
import Sluice

/// Notes when the first record passes: how long a resumed run takes to get going.
final class FirstRecordProbe: Sendable {
    private let first = Mutex<ContinuousClock.Instant?>(nil)
    func seen() {
        first.withLock { if $0 == nil { $0 = .now } }
    }
    var instant: ContinuousClock.Instant? { first.withLock { $0 } }
}

/// The window benchmark with a checkpoint every second beside none, the checkpoints' duration
/// and size, and the time from a restart to the first record processed.
enum CheckpointBenchmark {
    static func run(input: String, scratch: String, parallelism: Int) async throws {
        print("(checkpoints) the window benchmark, parallelism \(parallelism), with a checkpoint every second beside none")
        let output = scratch + "/checkpointed-window.jsonl"
        let state = scratch + "/checkpoint-state"
        let loopOutput = scratch + "/window-loop.jsonl"
        let loop = try await measure(repetitions: 2) { _ = try WindowBenchmark.handWritten(input: input, output: loopOutput) }
        var plainReport: RunReport?
        let plain = try await measure(repetitions: 2) {
            plainReport = try await WindowBenchmark.sluice(input: input, output: output, parallelism: parallelism)
        }
        let expected = try WindowBenchmark.sortedLines(loopOutput)
        var checkpointedReport: RunReport?
        let checkpointed = try await measure(repetitions: 2) {
            try? FileManager.default.removeItem(atPath: state)
            checkpointedReport = try await WindowBenchmark.sluice(input: input, output: output, parallelism: parallelism,
                                                                 checkpoints: .every(.seconds(1), in: state))
        }
        let checkpointedLines = try WindowBenchmark.sortedLines(output)
        precondition(checkpointedLines == expected, "the checkpointed output differs")
        let events = plainReport?[stage: "jsonLines"]?.recordsOut ?? 0
        report("no checkpoints", sluice: plain, loop: loop, loopName: "hand-written loop", items: events)
        report("a checkpoint every second", sluice: checkpointed, loop: loop, loopName: "hand-written loop", items: events)
        print(String(format: "  checkpointed / not: %.2f× (%+.1f%%)", checkpointed.seconds / plain.seconds,
                     (checkpointed.seconds / plain.seconds - 1) * 100))
        if let statistics = checkpointedReport?.checkpoints {
            print(String(format: "  %d checkpoints (the last is the final one); longest %.1f ms; largest %.1f KiB",
                         statistics.completed, statistics.longestDuration.seconds * 1000,
                         Double(statistics.largestSizeBytes) / 1024))
        }

        // Stop half-way at a savepoint, then time the restart up to its first record.
        try? FileManager.default.removeItem(atPath: state)
        let stop = StopHandle()
        let halfWay = plain / 2
        let stopper = Task {
            try await Task.sleep(for: halfWay)
            stop.requestStop()
        }
        let stopped = try await WindowBenchmark.sluice(input: input, output: output, parallelism: parallelism,
                                                      checkpoints: .every(.seconds(1), in: state), stop: stop)
        stopper.cancel()
        guard let savepoint = stopped.stoppedAtSavepoint else {
            print("  (the run ended before the stop; no restart measured)")
            return
        }
        let probe = FirstRecordProbe()
        let restartedAt = ContinuousClock.now
        let resumed = try await WindowBenchmark.sluice(input: input, output: output, parallelism: parallelism,
                                                      checkpoints: .every(.seconds(1), in: state), firstRecord: probe)
        let resumedLines = try WindowBenchmark.sortedLines(output)
        precondition(resumedLines == expected, "the output after a restart differs")
        let toFirst = (probe.instant ?? .now) - restartedAt
        print(String(format: "  restart from savepoint %llu: first record after %.1f ms; the rest (%d events) in %.3fs; output equals the loop's",
                     savepoint, toFirst.seconds * 1000, resumed[stage: "jsonLines"]?.recordsOut ?? 0, resumed.wallTime.seconds))
    }
}

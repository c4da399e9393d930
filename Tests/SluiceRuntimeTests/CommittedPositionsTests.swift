import Foundation
import Sluice
import SluiceTesting
import Testing

/// A source sees the positions of committed checkpoints only: never one it has not emitted,
/// never going backwards, and on resume the restored one at once — what a replication slot
/// or broker source needs before it lets go of data upstream.
@Suite struct CommittedPositionsTests {
    /// Counts to `count`, slowly; on each read notes the newest committed position it sees
    /// beside how far it had emitted.
    struct Counter: SourceStage {
        var settings = StageSettings()
        let count: Int
        let seen: Accumulator<[(committed: Int, emitted: Int)]>
        var defaultName: String { "counter" }

        func makeReader(_ context: StageContext) async throws -> Reader { Reader(count: count, seen: seen, context: context) }

        struct Reader: CheckpointableSourceReader {
            let count: Int
            let seen: Accumulator<[(committed: Int, emitted: Int)]>
            let context: StageContext
            var next = 0

            mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
                if let committed = try context.committedPositions?.position(of: context.stageName, instance: context.instance, as: Int.self) {
                    seen.value.append((committed, next))
                }
                guard next < count else { return false }
                try await Task.sleep(for: .milliseconds(1))
                output.emit(next)
                next += 1
                return true
            }

            func position() throws -> Int { next }
            mutating func restore(to position: Int) throws { next = position }
        }
    }

    @Test func aSourceSeesOnlyCommittedPositionsInOrderAndTheRestoredOneOnResume() async throws {
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let seen = Accumulator<[(committed: Int, emitted: Int)]>([])
        let out = Accumulator<[Int]>([])
        let failed = Accumulator(false)
        struct Stop: Error {}
        let failing = Pipeline("committed") {
            Counter(count: 400, seen: seen)
            Map { (value: Int) throws -> Int in
                if value == 250 && !failed.value {
                    failed.value = true
                    throw Stop()
                }
                return value
            }
            Sink.reduce(into: out) { (all: inout [Int], value: Int) in all.append(value) }
        }
        await #expect(throws: (any Error).self) {
            _ = try await failing.run(options: RunOptions(chunkSize: 1), checkpoints: .every(.milliseconds(20), in: state.path))
        }
        let firstRun = seen.value
        #expect(!firstRun.isEmpty, "checkpoints committed while the source read")
        for (earlier, later) in zip(firstRun, firstRun.dropFirst()) { #expect(earlier.committed <= later.committed) }
        #expect(firstRun.allSatisfy { $0.committed <= $0.emitted })
        let newest = firstRun.last?.committed ?? 0
        seen.value = []
        _ = try await failing.run(options: RunOptions(chunkSize: 1), checkpoints: .every(.milliseconds(20), in: state.path))
        // The first read after resuming sees a committed position: the restored one (or newer).
        let resumed = try #require(seen.value.first)
        #expect(resumed.committed >= newest && resumed.committed == resumed.emitted, "\(resumed)")
    }
}

import Foundation
import Sluice
import SluiceNetwork
import SluiceTesting
import Testing

@Suite(.serialized) struct JetStreamCheckpointStorageTests {
    static let parts = [
        CheckpointPart(stage: "source", instance: 0, kind: .position, bytes: Array(#"{"lastSequence":7}"#.utf8)),
        CheckpointPart(stage: "window", instance: 1, kind: .state, bytes: (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }),
        CheckpointPart(stage: "sink", instance: 0, kind: .transaction, bytes: []),
    ]

    @Test func anArchiveReadsBackAndRefusesEveryDamagedByte() throws {
        let small = [CheckpointPart(stage: "s", instance: 0, kind: .position, bytes: Array("12345".utf8)),
                     CheckpointPart(stage: "t", instance: 2, kind: .state, bytes: [1, 2, 3])]
        let bytes = try CheckpointArchive.encode(id: 9, pipeline: "p", isFinal: false, parts: small)
        let (checkpoint, pipeline) = try CheckpointArchive.decode(bytes, location: "here")
        #expect(checkpoint.id == 9 && pipeline == "p" && !checkpoint.isFinal && checkpoint.parts == small)
        // Every single flipped bit, and every truncation, is noticed.
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x10
            #expect(throws: CheckpointProblem.self) { try CheckpointArchive.decode(damaged, location: "here") }
        }
        for length in 0..<bytes.count {
            #expect(throws: CheckpointProblem.self) { try CheckpointArchive.decode(Array(bytes.prefix(length)), location: "here") }
        }
        #expect(throws: CheckpointProblem.self) { try CheckpointArchive.decode(bytes + [0], location: "here") }
    }

    @Test func writesReadsBackAndKeepsTheNewest() async throws {
        guard let server = try NATSServers.single() else { return }
        let line = "line-" + UUID().uuidString.prefix(8)
        let storage = try JetStreamCheckpointStorage(server.configuration, line: line, bucket: NATSServers.uniqueName("chk"))
        try await BlockingCall.run {
            #expect(try storage.newestUsable().checkpoint == nil)
            for id in 1...5 as ClosedRange<UInt64> {
                try storage.write(id: id, pipeline: "p", isFinal: id == 5, parts: Self.parts)
                storage.prune(keep: 2, newest: id)
            }
            let again = try JetStreamCheckpointStorage(server.configuration, line: line, bucket: storage.bucket)
            let (newest, skipped) = try again.newestUsable()
            #expect(newest?.id == 5 && newest?.isFinal == true && newest?.parts == Self.parts && skipped.isEmpty)
        }
        // Only the kept checkpoints' objects remain (plus their descriptions).
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let objects = try await JetStream(connection).streamInfo("OBJ_" + storage.bucket)
        let chunksPerCheckpoint = UInt64((try CheckpointArchive.encode(id: 1, pipeline: "p", isFinal: false, parts: Self.parts).count
                                          + ObjectStore.chunkSize - 1) / ObjectStore.chunkSize)
        #expect(objects?.state.messages ?? 0 <= 2 * chunksPerCheckpoint + 5)
    }

    @Test func aReplacedProcessCannotWriteAnotherCheckpoint() async throws {
        guard let server = try NATSServers.single() else { return }
        let bucket = NATSServers.uniqueName("fence")
        try await BlockingCall.run {
            let first = try JetStreamCheckpointStorage(server.configuration, line: "work", bucket: bucket)
            _ = try first.newestUsable()
            try first.write(id: 1, pipeline: "p", isFinal: false, parts: Self.parts)
            // Another process takes the line over from checkpoint 1 and writes checkpoint 2.
            let second = try JetStreamCheckpointStorage(server.configuration, line: "work", bucket: bucket)
            #expect(try second.newestUsable().checkpoint?.id == 1)
            try second.write(id: 2, pipeline: "p", isFinal: false, parts: Self.parts)
            // The first, still running, is fenced off.
            #expect(throws: CheckpointProblem.self) { try first.write(id: 2, pipeline: "p", isFinal: false, parts: Self.parts) }
            let third = try JetStreamCheckpointStorage(server.configuration, line: "work", bucket: bucket)
            #expect(try third.newestUsable().checkpoint?.id == 2)
        }
    }

    @Test func aPipelineResumesFromCheckpointsKeptInJetStream() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = NATSServers.uniqueName("STATE")
        try await JetStreamPipelineTests.fill(server, stream: stream, (1...2_000).map(JetStreamPipelineTests.reading))
        let storage = try JetStreamCheckpointStorage(server.configuration, line: "sums", bucket: NATSServers.uniqueName("chk"))
        let policy = CheckpointPolicy.every(.milliseconds(5), in: storage)
        func pipeline(_ crash: FailOnce?) -> Pipeline {
            Pipeline("sums") {
                Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in"], as: Reading.self, mode: .toEnd)
                Map { (reading: Reading) throws -> Reading in
                    try crash?.check()
                    return reading
                }
                KeyBy(\Reading.sensor).process(RunningCount())
                Sink.jetStream(server.configuration, of: RunningTotal.self) { _ in "\(stream).totals" }
            }
        }
        await #expect(throws: PipelineRunError.self) {
            _ = try await pipeline(FailOnce(at: 1_300)).run(options: RunOptions(chunkSize: 40), checkpoints: policy)
        }
        let report = try await pipeline(nil).run(options: RunOptions(chunkSize: 40), checkpoints: policy)
        #expect(report.checkpoints?.restoredFrom != nil)
        // Each sensor's running count was published once for every value from 1 to its total:
        // the state came back from JetStream exactly as checkpointed, and nothing was published
        // twice or lost.
        let totals = try await JetStreamPipelineTests.readAll(server, stream: stream, subject: "\(stream).totals")
            .map { try JSONDecoder().decode(RunningTotal.self, from: Data($0.payload)) }
        var expected: [RunningTotal] = []
        for sensor in 0..<7 {
            let readings = (1...2_000).filter { $0 % 7 == sensor }.count
            expected += (1...readings).map { RunningTotal(sensor: "s\(sensor)", count: $0) }
        }
        #expect(totals.sorted() == expected.sorted())
    }
}

/// A sensor's readings so far.
struct RunningTotal: Codable, Sendable, Hashable, Comparable {
    var sensor: String
    var count: Int
    static func < (lhs: RunningTotal, rhs: RunningTotal) -> Bool { (lhs.sensor, lhs.count) < (rhs.sensor, rhs.count) }
}

/// Counts each sensor's readings and emits the running count.
struct RunningCount: KeyedProcessFunction {
    func initialState(for sensor: String) -> Int { 0 }
    func process(_ reading: Reading, key sensor: String, state count: inout Int, context: inout KeyedContext,
                 into output: inout Emitter<RunningTotal>) {
        count += 1
        output.emit(RunningTotal(sensor: sensor, count: count))
    }
}

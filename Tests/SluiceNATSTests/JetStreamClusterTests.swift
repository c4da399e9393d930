import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing

@Suite(.serialized) struct JetStreamClusterTests {
    /// `count` readings on a stream of `partitions` partitions: `<stream>.in.<partition>.<sensor>`,
    /// each sensor always in the same partition.
    static func fillPartitioned(_ server: NATSTestServer, stream: String, partitions: Int, count: Int) async throws {
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        _ = try await jetStream.createStream(StreamConfiguration(name: stream, subjects: ["\(stream).in.*.*", "\(stream).out.>"]))
        var pending: [JetStream.PendingPublish] = []
        for id in 1...count {
            let sensor = id % 7
            pending.append(try jetStream.sendPublish("\(stream).in.\(sensor % partitions).s\(sensor)",
                                                     payload: Array(JetStreamPipelineTests.reading(id).utf8)))
            if pending.count == 256 {
                for publish in pending { _ = try await publish.wait() }
                pending = []
            }
        }
        for publish in pending { _ = try await publish.wait() }
    }

    static func pipeline(_ server: NATSTestServer, stream: String, slow: Bool) -> Pipeline {
        Pipeline("counts") {
            Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in.{partition}.*"], as: Reading.self, mode: .toEnd)
            Map { (reading: Reading) -> Reading in
                if slow, reading.id % 50 == 0 { usleep(2_000) }
                return reading
            }
            KeyBy(\Reading.sensor).process(RunningCount())
            Sink.jetStream(server.configuration, of: RunningTotal.self) { "\(stream).out.\($0.sensor)" }
        }
    }

    /// Each sensor's running count published once for every value from 1 to its total.
    static func expectExactlyOnce(_ server: NATSTestServer, stream: String, count: Int) async throws {
        let totals = try await JetStreamPipelineTests.readAll(server, stream: stream, subject: "\(stream).out.>")
            .map { try JSONDecoder().decode(RunningTotal.self, from: Data($0.payload)) }
        var expected: [RunningTotal] = []
        for sensor in 0..<7 {
            expected += (1...(1...count).filter { $0 % 7 == sensor }.count).map { RunningTotal(sensor: "s\(sensor)", count: $0) }
        }
        #expect(totals.count == expected.count)
        let sorted = totals.sorted()
        if sorted != expected.sorted() {
            let missing = Set(expected).subtracting(sorted), repeated = sorted.count - Set(sorted).count
            Issue.record("\(missing.count) running counts missing (\(missing.sorted().prefix(5))), \(repeated) published twice")
        }
    }

    @Test func twoWorkersShareThePartitionsAndAJoiningWorkerTakesItsShareExactlyOnce() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = "CLUSTER_" + UUID().uuidString.prefix(8).uppercased()
        try await Self.fillPartitioned(server, stream: stream, partitions: 4, count: 3_000)
        @Sendable func cluster(_ worker: String) -> JetStreamCluster {
            JetStreamCluster(server.configuration, group: stream.lowercased(), partitions: 4, worker: worker,
                             checkpointInterval: .milliseconds(200), sessionTimeout: .seconds(4))
        }
        let events = EventLog()
        var options = RunOptions(chunkSize: 20)
        options.warning = { _ in }
        let first = Task { [options] in
            try await Self.pipeline(server, stream: stream, slow: true).run(cluster: cluster("a"), options: options) { event in
                events.append("a", event)
            }
        }
        // The second worker joins once the first holds every partition and has made progress.
        while events.all.filter({ if case .acquired = $0.1 { return true }; return false }).count < 4 {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(700))
        let second = Task { [options] in
            try await Self.pipeline(server, stream: stream, slow: true).run(cluster: cluster("b"), options: options) { event in
                events.append("b", event)
            }
        }
        try await first.value
        try await second.value
        let log = events.all
        #expect(log.contains { $0.0 == "a" && $0.1 == .released(partition: 1) } || log.contains { $0.0 == "a" && $0.1 == .released(partition: 3) },
                "\(log.map { "\($0.0): \($0.1)" })")
        #expect(log.contains { $0.0 == "b" && ($0.1 == .acquired(partition: 1) || $0.1 == .acquired(partition: 3)) })
        #expect(Set(log.compactMap { if case .finished(let partition) = $0.1 { return partition }; return nil }) == [0, 1, 2, 3])
        try await Self.expectExactlyOnce(server, stream: stream, count: 3_000)
    }
}

/// Cluster events with the worker that told them, from any task.
final class EventLog: Sendable {
    private let events = Mutex<[(String, ClusterEvent)]>([])
    func append(_ worker: String, _ event: ClusterEvent) { events.withLock { $0.append((worker, event)) } }
    var all: [(String, ClusterEvent)] { events.withLock { $0 } }
}

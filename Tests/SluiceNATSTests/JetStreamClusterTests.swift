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

    static func pipeline(_ server: NATSTestServer, stream: String, mode: JetStreamReadMode) -> Pipeline {
        Pipeline("counts") {
            Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in.{partition}.*"], as: Reading.self, mode: mode)
            // Sensors are the input's partitioning: each partition counts its own.
            KeyBy(\Reading.sensor).sameAsInputPartitioning().process(RunningCount())
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
        // Streaming workers (they never finish a partition), stopped once every result is in.
        let stopA = StopHandle(), stopB = StopHandle()
        let first = Task { [options] in
            try await Self.pipeline(server, stream: stream, mode: .follow).run(cluster: cluster("a"), options: options, stop: stopA) { event in
                events.append("a", event)
            }
        }
        func count(_ worker: String, _ matching: (ClusterEvent) -> Bool) -> Int { events.all.filter { $0.0 == worker && matching($0.1) }.count }
        func acquired(_ event: ClusterEvent) -> Bool { if case .acquired = event { return true }; return false }
        let deadline = ContinuousClock.now + .seconds(30)
        while count("a", acquired) < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let second = Task { [options] in
            try await Self.pipeline(server, stream: stream, mode: .follow).run(cluster: cluster("b"), options: options, stop: stopB) { event in
                events.append("b", event)
            }
        }
        while count("b", acquired) < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        // Every result published (3,000 readings in, 3,000 running counts out)…
        let connection = try await NATSConnection.connect(server.configuration)
        while try await JetStream(connection).streamInfo(stream)?.state.messages ?? 0 < 6_000, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        // …and no more after a while.
        try await Task.sleep(for: .seconds(1))
        #expect(try await JetStream(connection).streamInfo(stream)?.state.messages == 6_000)
        connection.close()
        stopA.requestStop()
        stopB.requestStop()
        try await first.value
        try await second.value
        let log = events.all
        // b took two partitions from a, which handed them over gracefully.
        #expect(count("a", { if case .released = $0 { return true }; return false }) >= 2, "\(log.map { "\($0.0): \($0.1)" })")
        #expect(count("b", acquired) >= 2)
        #expect(!log.contains { if case .fenced = $0.1 { return true }; return false })
        try await Self.expectExactlyOnce(server, stream: stream, count: 3_000)
    }
}

/// A region's readings in one second of event time.
struct RegionWindow: Codable, Sendable, Hashable, Comparable {
    var region: String
    var second: Int64
    var readings: Int
    static func < (lhs: RegionWindow, rhs: RegionWindow) -> Bool { (lhs.region, lhs.second) < (rhs.region, rhs.second) }
}

extension JetStreamClusterTests {
    /// Readings partitioned by sensor, counted per region (sensor number modulo 3) and second of
    /// event time (a reading's id is its time in milliseconds ÷ 25): every region's readings
    /// come from every partition, so the count repartitions through the broker.
    static func regionPipeline(_ configuration: NATSConfiguration, stream: String, to sink: some SinkStage<RegionWindow>) -> Pipeline {
        Pipeline("regions") {
            Source.jetStream(configuration, stream: stream, subjects: ["\(stream).in.{partition}.*"], as: Reading.self, mode: .toEnd)
                .eventTime(maxOutOfOrderness: .milliseconds(100)) { Timestamp(millisecondsSinceEpoch: Int64($0.id) * 25) }
            KeyBy { (reading: Reading) in "r\(Int(reading.sensor.dropFirst())! % 3)" }
                .window(.tumbling(.seconds(1)), eventTime: { Timestamp(millisecondsSinceEpoch: Int64($0.id) * 25) }) { Count() }
                .named("per-region")
            Map { (result: WindowResult<String, Int>) in
                RegionWindow(region: result.key, second: result.start.millisecondsSinceEpoch / 1_000, readings: result.value)
            }
            sink
        }
    }

    @Test func aKeyByOnAnotherKeyRepartitionsThroughTheBrokerAndGivesWhatOneProcessGivesAcrossAWorkerLeaving() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = "REGIONS_" + UUID().uuidString.prefix(8).uppercased()
        try await Self.fillPartitioned(server, stream: stream, partitions: 3, count: 12_000)
        // One process reading every partition: the expected windows.
        let expected = Collector<RegionWindow>()
        _ = try await Self.regionPipeline(server.configuration, stream: stream, to: Sink.collect(into: expected)).run()
        #expect(expected.elements.reduce(0) { $0 + $1.readings } == 12_000)

        let pipeline = Self.regionPipeline(server.configuration, stream: stream,
                                           to: Sink.jetStream(server.configuration, subject: "\(stream).out.windows", of: RegionWindow.self))
        #expect(try pipeline.segments(transport: JetStreamExchange(server.configuration, group: "g", partitions: 3)).pipelines.count == 2)
        @Sendable func cluster(_ worker: String) -> JetStreamCluster {
            JetStreamCluster(server.configuration, group: stream.lowercased(), partitions: 3, worker: worker,
                             checkpointInterval: .milliseconds(200), sessionTimeout: .seconds(3))
        }
        let events = EventLog()
        var options = RunOptions(chunkSize: 25)
        options.warning = { _ in }
        let first = Task { [options] in
            try await pipeline.run(cluster: cluster("a"), options: options) { events.append("a", $0) }
        }
        let second = Task { [options] in
            try await pipeline.run(cluster: cluster("b"), options: options) { events.append("b", $0) }
        }
        // b leaves mid-run (its task cancelled): its units stop at a savepoint and a takes them
        // over, the exchange's readers with their producers' watermarks. (A worker killed
        // outright is what `cluster-demo.sh` does, repeatedly.)
        let deadline = ContinuousClock.now + .seconds(60)
        while !events.all.contains(where: { $0.0 == "b" && { if case .acquired = $0 { return true }; return false }($0.1) }),
              ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(400))
        second.cancel()
        _ = try? await second.value
        try await first.value
        let log = events.all
        #expect(log.contains { $0.0 == "b" && { if case .released = $0 { return true }; return false }($0.1) })
        #expect(log.filter { $0.0 == "a" && { if case .finished = $0 { return true }; return false }($0.1) }.count == 6,
                "\(log.map { "\($0.0): \($0.1)" })")
        let published = try await JetStreamPipelineTests.readAll(server, stream: stream, subject: "\(stream).out.windows")
            .map { try JSONDecoder().decode(RegionWindow.self, from: Data($0.payload)) }
        #expect(published.count == expected.elements.count)
        #expect(published.sorted() == expected.elements.sorted())
        // The readers removed what their checkpoints committed from the exchange stream.
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let exchange = try await JetStream(connection).streamInfo("SLUICE_X_" + stream.lowercased())
        #expect(exchange.map { $0.state.messages < $0.state.lastSequence } == true, "\(String(describing: exchange?.state))")
    }
}

/// Cluster events with the worker that told them, from any task.
final class EventLog: Sendable {
    private let events = Mutex<[(String, ClusterEvent)]>([])
    func append(_ worker: String, _ event: ClusterEvent) { events.withLock { $0.append((worker, event)) } }
    var all: [(String, ClusterEvent)] { events.withLock { $0 } }
}

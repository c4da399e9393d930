import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing

/// A reading as the tests publish it.
struct Reading: Codable, Sendable, Hashable {
    var id: Int
    var sensor: String
    var value: Double
}

/// Throws once, at the `at`-th element it sees: a run that fails mid-way.
final class FailOnce: Sendable {
    private let seen = Mutex(0)
    let at: Int
    init(at: Int) { self.at = at }
    func check() throws {
        if seen.withLock({ $0 += 1; return $0 }) == at { throw RecordError("simulated crash at element \(at)") }
    }
}

@Suite(.serialized) struct JetStreamPipelineTests {
    /// Creates a stream `name` on `name.>` and publishes `payloads` to `name.in`.
    static func fill(_ server: NATSTestServer, stream name: String, _ payloads: [String]) async throws {
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection, timeout: 10)
        if try await jetStream.streamInfo(name) == nil {
            _ = try await jetStream.createStream(StreamConfiguration(name: name, subjects: ["\(name).>"]))
        }
        var pending: [JetStream.PendingPublish] = []
        for payload in payloads {
            pending.append(try jetStream.sendPublish("\(name).in", payload: Array(payload.utf8)))
            if pending.count == 256 {
                for publish in pending { _ = try await publish.wait() }
                pending = []
            }
        }
        for publish in pending { _ = try await publish.wait() }
    }

    /// Every message of `subject` in `stream`, in order.
    static func readAll(_ server: NATSTestServer, stream: String, subject: String) async throws -> [JetStreamMessage] {
        let collector = Collector<JetStreamMessage>()
        _ = try await Pipeline("read-back") {
            Source.jetStream(server.configuration, stream: stream, subjects: [subject], mode: .toEnd)
            Sink.collect(into: collector)
        }.run()
        return collector.elements
    }

    static func reading(_ id: Int) -> String { #"{"id":\#(id),"sensor":"s\#(id % 7)","value":\#(Double(id) / 4)}"# }

    @Test func readsAStreamToItsEndWithPoisonMessagesAsDeadLetters() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = NATSServers.uniqueName("POISON")
        var payloads = (1...600).map(Self.reading)
        payloads.insert("{not json", at: 100)
        payloads.insert(#"{"id":"seven","sensor":"s","value":1}"#, at: 400)
        try await Self.fill(server, stream: stream, payloads)
        let collector = Collector<Reading>()
        let report = try await Pipeline("poison") {
            Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in"], as: Reading.self, mode: .toEnd)
                .onError(.deadLetter).named("readings")
            Sink.collect(into: collector)
        }.run(options: RunOptions(chunkSize: 64))
        #expect(collector.elements.map(\.id) == Array(1...600))
        #expect(report.deadLetters.count == 2)
        #expect(report.deadLetters.map(\.rawInput) == ["{not json", #"{"id":"seven","sensor":"s","value":1}"#])
        #expect(report.deadLetters.map { $0.location?.origin } == ["jetstream://\(stream)/101", "jetstream://\(stream)/401"])
        #expect(report.deadLetters.allSatisfy { $0.location?.field == "\(stream).in" })
        #expect(report[stage: "readings"].map { $0.recordsOut + $0.deadLettered } == 602)
    }

    @Test func aFailedRunResumesAfterItsCheckpointAndPublishesEveryResultOnce() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = NATSServers.uniqueName("ONCE")
        try await Self.fill(server, stream: stream, (1...3_000).map(Self.reading))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let policy = CheckpointPolicy.every(.milliseconds(5), in: directory.file("state"))
        func pipeline(_ crash: FailOnce?) -> Pipeline {
            Pipeline("once") {
                Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in"], as: Reading.self, mode: .toEnd)
                    .named("readings")
                Map { (reading: Reading) throws -> Reading in
                    try crash?.check()
                    return Reading(id: reading.id, sensor: reading.sensor, value: reading.value * 2)
                }
                Sink.jetStream(server.configuration, of: Reading.self) { "\(stream).out.\($0.sensor)" }.named("doubled")
            }
        }
        for crashAt in [700, 1_900] {
            await #expect(throws: PipelineRunError.self) {
                _ = try await pipeline(FailOnce(at: crashAt)).run(options: RunOptions(chunkSize: 50), checkpoints: policy)
            }
        }
        let report = try await pipeline(nil).run(options: RunOptions(chunkSize: 50), checkpoints: policy)
        #expect(report.checkpoints?.restoredFrom != nil)
        #expect(report[stage: "readings"]?.recordsOut ?? 3_000 < 3_000)
        let published = try await Self.readAll(server, stream: stream, subject: "\(stream).out.>")
        let readings = try published.map { try JSONDecoder().decode(Reading.self, from: Data($0.payload)) }
        #expect(readings.count == 3_000)
        #expect(readings.map(\.id).sorted() == Array(1...3_000))
        #expect(readings.allSatisfy { $0.value == Double($0.id) / 2 && published[0].subject.hasPrefix("\(stream).out.s") })
    }

    @Test func followsNewMessagesFromWhereItOpened() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = NATSServers.uniqueName("FOLLOW")
        try await Self.fill(server, stream: stream, (1...50).map(Self.reading))
        let collector = Collector<Reading>()
        let run = Task {
            try await Pipeline("follow") {
                Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in"], as: Reading.self, start: .newOnly)
                Sink.collect(into: collector)
            }.run(options: RunOptions(chunkSize: 8))
        }
        try await Task.sleep(for: .milliseconds(500))
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        for id in 51...80 { _ = try await JetStream(connection).publish("\(stream).in", payload: Array(Self.reading(id).utf8)) }
        let deadline = ContinuousClock.now + .seconds(10)
        while collector.elements.count < 30, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        run.cancel()
        _ = await run.result
        #expect(collector.elements.map(\.id) == Array(51...80))
    }

    @Test func aServerKilledAndRestartedMidRunLosesAndRepeatsNothing() async throws {
        guard let server = try NATSServers.dedicated() else { return }
        defer { server.stop() }
        let stream = NATSServers.uniqueName("RESTART")
        try await Self.fill(server, stream: stream, (1...4_000).map(Self.reading))
        let collector = Collector<Reading>()
        let seen = Mutex(0)
        let warnings = Mutex<[String]>([])
        var options = RunOptions(chunkSize: 20)
        options.warning = { text in warnings.withLock { $0.append(text) } }
        let run = Task { [options] in
            try await Pipeline("restart") {
                Source.jetStream(server.configuration, stream: stream, subjects: ["\(stream).in"], as: Reading.self, mode: .toEnd)
                Map { (reading: Reading) -> Reading in
                    if seen.withLock({ $0 += 1; return $0 }) % 100 == 0 { usleep(10_000) }   // a slow stage
                    return reading
                }
                Sink.collect(into: collector)
            }.run(options: options)
        }
        while seen.withLock({ $0 }) < 1_000 { try await Task.sleep(for: .milliseconds(5)) }
        server.kill(0)
        try await Task.sleep(for: .milliseconds(800))
        try server.restart(0)
        _ = try await run.value
        #expect(collector.elements.map(\.id) == Array(1...4_000))
        // The source did lose its connection and continued after its last message.
        #expect(warnings.withLock { $0 }.contains { $0.contains("connecting again") && $0.contains(stream) }, "\(warnings.withLock { $0 })")
    }

    @Test func aNodeOfAThreeNodeClusterKilledMidRunLosesAndRepeatsNothing() async throws {
        guard let cluster = try NATSServers.dedicated(nodes: 3) else { return }
        defer { cluster.stop() }
        let stream = NATSServers.uniqueName("R3READ")
        let connection = try await NATSConnection.connect(cluster.configuration)
        var configuration = StreamConfiguration(name: stream, subjects: ["\(stream).>"])
        configuration.replicas = 3
        _ = try await JetStream(connection, timeout: 10).createStream(configuration)
        connection.close()
        try await Self.fill(cluster, stream: stream, (1...4_000).map(Self.reading))
        let check = try await NATSConnection.connect(cluster.configuration)
        #expect(try await JetStream(check).streamInfo(stream)?.configuration.replicas == 3)
        check.close()
        let collector = Collector<Reading>()
        let seen = Mutex(0)
        var options = RunOptions(chunkSize: 20)
        options.warning = { _ in }
        let run = Task { [options] in
            try await Pipeline("r3") {
                Source.jetStream(cluster.configuration, stream: stream, subjects: ["\(stream).in"], as: Reading.self, mode: .toEnd)
                Map { (reading: Reading) -> Reading in
                    if seen.withLock({ $0 += 1; return $0 }) % 100 == 0 { usleep(5_000) }   // a slow stage
                    return reading
                }
                Sink.collect(into: collector)
            }.run(options: options)
        }
        while seen.withLock({ $0 }) < 1_000 { try await Task.sleep(for: .milliseconds(5)) }
        cluster.kill(0)   // the node the source connected to first
        try await Task.sleep(for: .milliseconds(1_500))
        try cluster.restart(0)
        _ = try await run.value
        #expect(collector.elements.map(\.id) == Array(1...4_000))
    }

    @Test func anUnreachableBrokerIsAnErrorNamingItsAddressNotItsPassword() async throws {
        let configuration = try NATSConfiguration(url: "nats://etl:hunter2@127.0.0.1:1", timeout: 1)
        do {
            _ = try await Pipeline("unreachable") {
                Source.jetStream(configuration, stream: "READINGS", subjects: ["readings.>"], as: Reading.self, mode: .toEnd,
                                 retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10)))
                Sink.collect(into: Collector<Reading>())
            }.run()
            Issue.record("ran without a broker")
        } catch {
            let text = "\(error)"
            #expect(text.contains("nats://127.0.0.1:1"), "\(text)")
            #expect(!text.contains("hunter2"))
        }
    }

    @Test func aMissingStreamIsAnErrorNamingIt() async throws {
        guard let server = try NATSServers.single() else { return }
        await #expect(throws: PipelineRunError.self) {
            _ = try await Pipeline("missing") {
                Source.jetStream(server.configuration, stream: "NO_SUCH_STREAM", subjects: ["nowhere.>"], as: Reading.self, mode: .toEnd)
                Sink.collect(into: Collector<Reading>())
            }.run()
        }
    }

    @Test func publishesWithoutCheckpointsAndDeadLettersElementsWithAnInvalidSubject() async throws {
        guard let server = try NATSServers.single() else { return }
        let stream = NATSServers.uniqueName("PLAIN")
        try await Self.fill(server, stream: stream, [])
        let readings = (1...500).map { Reading(id: $0, sensor: $0 == 250 ? "bad sensor" : "s\($0 % 3)", value: 1) }
        let report = try await Pipeline("plain") {
            Source.collection(readings)
            Sink.jetStream(server.configuration, of: Reading.self) { "\(stream).out.\($0.sensor)" }.onError(.deadLetter).named("publish")
        }.run(options: RunOptions(chunkSize: 64))
        #expect(report.deadLetters.count == 1 && report.deadLetters[0].error.contains("bad sensor"))
        let published = try await Self.readAll(server, stream: stream, subject: "\(stream).out.>")
        #expect(published.count == 499)
        #expect(Set(published.map(\.subject)) == ["\(stream).out.s0", "\(stream).out.s1", "\(stream).out.s2"])
    }
}

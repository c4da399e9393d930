// Generated from Documentation/Connectors/JetStream.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_JetStream {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Reading: Codable, Sendable { var sensor: String; var value: Double; var at: Int64 }
    struct Alert: Codable, Sendable { var sensor: String; var value: Double }
    static let nats = try! NATSConfiguration(url: "nats://127.0.0.1:4222")

    // Documentation/Connectors/JetStream.md, line 13
    static func block1() async throws {
        let nats = try NATSConfiguration(url: "nats://sluice:secret@127.0.0.1:4222,nats://127.0.0.1:4223")

        let report = try await Pipeline("alerts") {
            Source.jetStream(nats, stream: "READINGS", subjects: ["readings.>"], as: Reading.self)
                .onError(.deadLetter)
            Filter { (reading: Reading) in reading.value > 80 }
            Map { (reading: Reading) in Alert(sensor: reading.sensor, value: reading.value) }
            Sink.jetStream(nats, of: Alert.self) { "alerts.\($0.sensor)" }
        }.run(checkpoints: .every(.seconds(5), in: "state/alerts"))
        print(report)
        _ = nats
        _ = report
    }

    // Documentation/Connectors/JetStream.md, line 44
    static func block2() async throws {
        let readings = Source.jetStream(nats, stream: "READINGS", subjects: ["readings.eu.>", "readings.us.>"], as: Reading.self,
                                        start: .time(Date(timeIntervalSinceNow: -3600)), mode: .follow)
        let raw = Source.jetStream(nats, stream: "READINGS", subjects: ["readings.>"], mode: .toEnd)   // JetStreamMessage
        _ = readings
        _ = raw
    }

    // Documentation/Connectors/JetStream.md, line 98
    static func block3() async throws {
        let perPartition = Source.jetStream(nats, stream: "READINGS", subjects: ["readings.{partition}.>"],
                                            as: Reading.self, partitions: 6)
            .eventTime(maxOutOfOrderness: .seconds(2)) { Timestamp(millisecondsSinceEpoch: $0.at) }
        let options = RunOptions(idleTimeout: .seconds(30))   // a silent partition stops holding it after 30 s
        _ = perPartition
        _ = options
    }

    // Documentation/Connectors/JetStream.md, line 108
    static func block4() async throws {
        let toOneSubject = Sink.jetStream(nats, subject: "alerts", of: Alert.self)
        let perSensor = Sink.jetStream(nats, of: Alert.self) { "alerts.\($0.sensor)" }
        _ = toOneSubject
        _ = perSensor
    }

    // Documentation/Connectors/JetStream.md, line 146
    static func block5() async throws {
        func runAnywhere(_ pipeline: Pipeline) async throws {
            let storage = try JetStreamCheckpointStorage(nats, line: "alerts", replicas: 3)
            _ = try await pipeline.run(checkpoints: .every(.seconds(2), in: storage))
        }
    }

    // Documentation/Connectors/JetStream.md, line 172
    static func block6() async throws {
        func greet(_ nats: NATSConfiguration) async throws {
            let connection = try await NATSConnection.connect(nats)
            defer { connection.close() }
            let subscription = try connection.subscribe(to: "greetings.>")
            try connection.publish("greetings.world", payload: Array("hello".utf8), headers: NATSHeaders([("Trace", "1")]))
            let messages = try await subscription.next(maximum: 10, timeout: 1)
            print(messages.map(\.subject))

            let jetStream = JetStream(connection)
            var readings = StreamConfiguration(name: "READINGS", subjects: ["readings.>"])
            readings.replicas = 3
            readings.duplicateWindow = 10 * 60 * 1_000_000_000   // ten minutes, in nanoseconds
            _ = try await jetStream.createStream(readings)
            let acknowledgement = try await jetStream.publish("readings.s1", payload: Array(#"{"value":1}"#.utf8), messageID: "r-1")
            print(acknowledgement.sequence, acknowledgement.duplicate)
        }
    }

    // Documentation/Connectors/JetStream.md, line 219
    static func block7() async throws {
        func withCluster() async throws {
            guard let cluster = try NATSTestServer.start(nodes: 3) else { return }   // no nats-server on this machine
            defer { cluster.stop() }
            let connection = try await NATSConnection.connect(cluster.configuration)
            defer { connection.close() }
            cluster.kill(0)
            try cluster.restart(0)
        }
    }
}

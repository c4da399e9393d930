import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing
@testable import SluiceNATS

/// A reading keyed by region, as it crosses an exchange.
struct RegionReading: Codable, Sendable, Hashable {
    var region: String
    var id: Int
}

@Suite(.serialized) struct JetStreamExchangeTests {
    /// The reading side of an exchange on its own: the second segment of a pipeline whose
    /// KeyBy repartitions by region, run for partition 0 of 2.
    static func readingSegment(_ exchange: JetStreamExchange, into collector: Collector<Keyed<String, RegionReading>>) throws -> Pipeline {
        let pipeline = Pipeline("regions") {
            Source.collection([RegionReading]())
            KeyBy(\RegionReading.region)
            Sink.collect(into: collector)
        }
        return try pipeline.segments(transport: exchange).pipelines[1]
    }

    /// Publishes `payload` as producer `producer`'s message of kind `d` or `w` to partition 0.
    static func publish(_ jetStream: JetStream, _ exchange: JetStreamExchange, kind: String, producer: Int, _ payload: String) async throws {
        _ = try await jetStream.publish("sluice.x.\(exchange.group).0.0.\(kind).\(producer)", payload: Array(payload.utf8))
    }

    @Test func aResumedReaderKeepsItsProducersWatermarksAndEndsOnceEveryProducerHasEnded() async throws {
        guard let server = try NATSServers.single() else { return }
        let exchange = JetStreamExchange(server.configuration, group: NATSServers.uniqueName("x").lowercased(), partitions: 2)
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        _ = try await jetStream.createStream(exchange.streamConfiguration)
        try await Self.publish(jetStream, exchange, kind: "d", producer: 0, #"{"key":"north","value":{"region":"north","id":1}}"#)
        try await Self.publish(jetStream, exchange, kind: "d", producer: 1, #"{"key":"north","value":{"region":"north","id":2}}"#)
        try await Self.publish(jetStream, exchange, kind: "w", producer: 0, "max")      // producer 0 ended
        try await Self.publish(jetStream, exchange, kind: "w", producer: 1, "5000")
        // A message that is not an element: a dead letter, and the partition goes on.
        try await Self.publish(jetStream, exchange, kind: "d", producer: 1, "{not json")
        let state = try TemporaryDirectory()
        var options = RunOptions()
        options.partition = 0
        let first = Collector<Keyed<String, RegionReading>>()
        let firstDead = Collector<DeadLetter>()
        let stop = StopHandle()
        let run = Task { [options] in
            try await Self.readingSegment(exchange, into: first)
                .deadLetters(to: Sink.collect(into: firstDead))
                .run(options: options, checkpoints: .every(.milliseconds(100), in: state.path), stop: stop)
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while first.elements.count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        stop.requestStop()   // producer 1 has not ended: only a stop ends this run
        let stopped = try await run.value
        #expect(stopped.stoppedAtSavepoint != nil)
        #expect(first.elements.map(\.value.id).sorted() == [1, 2])
        #expect(firstDead.elements.map(\.rawInput) == ["{not json"])
        #expect(firstDead.elements.first?.location?.origin == "jetstream://\(exchange.stream)/5")

        // Producer 1 sends one more element and ends. The resumed run must remember that
        // producer 0 ended long ago (its end is before the savepoint's position) to end itself.
        try await Self.publish(jetStream, exchange, kind: "d", producer: 1, #"{"key":"north","value":{"region":"north","id":3}}"#)
        try await Self.publish(jetStream, exchange, kind: "w", producer: 1, "max")
        let second = Collector<Keyed<String, RegionReading>>()
        let dead = Collector<DeadLetter>()
        let resumed = Task { [options] in
            try await Self.readingSegment(exchange, into: second)
                .deadLetters(to: Sink.collect(into: dead))
                .run(options: options, checkpoints: .every(.milliseconds(100), in: state.path))
        }
        let ended = Task {
            try await Task.sleep(for: .seconds(20))
            resumed.cancel()
        }
        let report = try await resumed.value
        ended.cancel()
        #expect(report.checkpoints?.restoredFrom == stopped.stoppedAtSavepoint)
        #expect(second.elements.map(\.value.id) == [3])
        #expect(dead.elements.isEmpty)   // the poison message was before the savepoint
    }

    @Test func subjectsNameTheirKindAndProducerOrAreForeign() {
        typealias Reader = JetStreamExchangeSource<RegionReading>.Reader
        #expect(Reader.kindAndProducer(of: "sluice.x.g.0.3.d.12")! == (UInt8(ascii: "d"), 12))
        #expect(Reader.kindAndProducer(of: "sluice.x.g.0.3.w.0")! == (UInt8(ascii: "w"), 0))
        for foreign in ["", "d.1", "sluice.x.g.0.3.dd.1", "sluice.x.g.0.3.d.", "sluice.x.g.0.3.d.x", "sluice.x.g.0.3.d"] {
            #expect(Reader.kindAndProducer(of: foreign) == nil, "\(foreign)")
        }
    }
}

import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluiceNATS

/// A reading with event time in seconds, as a partition's producer publishes it.
struct TimedReading: Codable, Sendable {
    var partition: Int
    var second: Int64
}

@Suite(.serialized) struct JetStreamWatermarkTests {
    /// Partition 0's producer runs 20 s of event time ahead of partition 1's: both publish one
    /// reading per second for 60 s into one stream, interleaved by the time they publish.
    static func publishSkewed(_ server: NATSTestServer, stream: String) async throws {
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection, timeout: 10)
        _ = try await jetStream.createStream(StreamConfiguration(name: stream, subjects: ["\(stream).>"]))
        for step in 0..<80 {
            for (partition, second) in [(0, step), (1, step - 20)] where (0..<60).contains(second) {
                let payload = #"{"partition":\#(partition),"second":\#(second)}"#
                _ = try await jetStream.publish("\(stream).\(partition).r", payload: Array(payload.utf8))
            }
        }
    }

    func countPerTenSeconds(_ server: NATSTestServer, stream: String, subject: String,
                            partitions: Int? = nil) async throws -> (counts: [Int64: Int], late: Int) {
        let results = Collector<WindowResult<String, Int>>()
        let report = try await Pipeline("skew") {
            Source.jetStream(server.configuration, stream: stream, subjects: [subject], as: TimedReading.self,
                             partitions: partitions, mode: .toEnd)
                .eventTime(maxOutOfOrderness: .seconds(1)) { Timestamp(millisecondsSinceEpoch: $0.second * 1_000) }
            KeyBy { (_: TimedReading) in "all" }
                .window(.tumbling(.seconds(10)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.second * 1_000) }) { Count() }
                .named("per-10s")
            Sink.collect(into: results)
        }.run(options: RunOptions(chunkSize: 8))
        var counts: [Int64: Int] = [:]
        for result in results.elements { counts[result.start.millisecondsSinceEpoch / 1_000, default: 0] += result.value }
        return (counts, report[stage: "per-10s"]?.late ?? -1)
    }

    @Test func aPartitionBehindTheOthersHoldsTheWatermarkSoNoneOfItsReadingsIsLate() async throws {
        // 20 s of skew with a 1 s bound and 10 s windows.
        guard let server = try NATSServers.single() else { return }
        let stream = NATSServers.uniqueName("SKEW")
        try await Self.publishSkewed(server, stream: stream)
        let everyWindow = Dictionary(uniqueKeysWithValues: stride(from: 0, to: 60, by: 10).map { (Int64($0), 20) })
        // Both partitions declared: partition 1, silent for the first 20 s of partition 0's
        // readings, holds the watermark from the start.
        let declared = try await countPerTenSeconds(server, stream: stream, subject: "\(stream).{partition}.r", partitions: 2)
        #expect(declared.late == 0)
        #expect(declared.counts == everyWindow)
        // Learned as they come, partition 1 is first seen at 18 s of watermark: only its first
        // window's readings are late, the rest follow the slower partition.
        let learned = try await countPerTenSeconds(server, stream: stream, subject: "\(stream).{partition}.r")
        #expect(learned.late == 10)
        // Read as one undivided input, the lagging partition's readings are late in every
        // window: what the per-partition watermark prevents.
        let undivided = try await countPerTenSeconds(server, stream: stream, subject: "\(stream).*.r")
        #expect(undivided.late == 50)
    }
}

extension JetStreamWatermarkTests {
    @Test func declaredPartitionsNeedAPlaceInTheSubjects() async throws {
        let configuration = try NATSConfiguration(url: "nats://127.0.0.1:1")
        let pipeline = Pipeline("no-place") {
            Source.jetStream(configuration, stream: "S", subjects: ["s.>"], as: TimedReading.self, partitions: 4)
            Sink.collect(into: Collector<TimedReading>())
        }
        let error = await #expect(throws: (any Error).self) { try await pipeline.run() }
        #expect("\(error!)".contains("do not say where the partition is"))
    }

    @Test func aMessagesPartitionIsTheTokenWherePartitionStands() throws {
        let configuration = try NATSConfiguration(url: "nats://127.0.0.1:1")
        var reader = try Source.jetStream(configuration, stream: "S", subjects: ["s.{partition}.>"], as: TimedReading.self)
            .makeReader(StageContext(stageName: "s"))
        #expect(reader.partition(of: "s.3.sensor-1") == 3)
        #expect(reader.partition(of: "s.12") == 12)
        // Named partitions get numbers of their own, the same each time.
        let eu = reader.partition(of: "s.eu.x"), us = reader.partition(of: "s.us.x")
        #expect(eu < 0 && us < 0 && eu != us && reader.partition(of: "s.eu.y") == eu)
        #expect(reader.partition(of: "s") == 0)   // no such token: a subject the filter would not deliver
        // In a cluster run the subjects name one partition, and elements need none.
        var context = StageContext(stageName: "s")
        context.partition = 2
        let one = try Source.jetStream(configuration, stream: "S", subjects: ["s.{partition}.>"], as: TimedReading.self).makeReader(context)
        #expect(one.subjects == ["s.2.>"] && one.partitionsOfLastRead() == nil)
    }
}

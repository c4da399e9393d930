// Generated from Documentation/ScaleOut.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_ScaleOut {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Reading: Codable, Sendable { var sensor: String; var ts: Int64; var celsius: Double }
    struct SensorWindow: Codable, Sendable { var sensor: String; var start: Int64; var readings: Int }

    // Documentation/ScaleOut.md, line 14
    static func block1() async throws {
        let nats = try NATSConfiguration(url: "nats://10.0.0.1:4222,nats://10.0.0.2:4222,nats://10.0.0.3:4222")
        let time: @Sendable (Reading) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ts) }
        let pipeline = Pipeline("sensor-windows") {
            Source.jetStream(nats, stream: "READINGS", subjects: ["readings.{partition}.*"], as: Reading.self)
                .eventTime(maxOutOfOrderness: .seconds(2), time)
            KeyBy(\Reading.sensor).sameAsInputPartitioning()   // the input is partitioned by sensor
                .window(.tumbling(.seconds(10)), eventTime: time) { Count() }
            Map { (result: WindowResult<String, Int>) in
                SensorWindow(sensor: result.key, start: result.start.millisecondsSinceEpoch, readings: result.value)
            }
            Sink.jetStream(nats, of: SensorWindow.self) { "windows.\($0.sensor)" }
        }
        let stop = StopHandle()
        documented(stop.stopOnSignals())
        try await pipeline.run(cluster: JetStreamCluster(nats, group: "sensor-windows", partitions: 12, replicas: 3), stop: stop)
        _ = nats
        _ = time
        _ = pipeline
        _ = stop
    }

    // Documentation/ScaleOut.md, line 53
    static func block2() async throws {
        let nats = try NATSConfiguration(url: "nats://10.0.0.1:4222")
        let time: @Sendable (Reading) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ts) }
        let perRegion = Pipeline("region-windows") {
            Source.jetStream(nats, stream: "READINGS", subjects: ["readings.{partition}.*"], as: Reading.self)
                .eventTime(maxOutOfOrderness: .seconds(2), time)
            // Every region has sensors in every partition: the count repartitions by region.
            KeyBy { (reading: Reading) in String(reading.sensor.prefix(2)) }
                .window(.tumbling(.seconds(10)), eventTime: time) { Count() }
            Map { (result: WindowResult<String, Int>) in
                SensorWindow(sensor: result.key, start: result.start.millisecondsSinceEpoch, readings: result.value)
            }
            Sink.jetStream(nats, of: SensorWindow.self) { "regions.\($0.sensor)" }
        }
        _ = nats
        _ = time
        _ = perRegion
    }
}

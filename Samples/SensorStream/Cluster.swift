// sensor-stream --cluster nats://…: the same windows, computed by several worker processes
// that share the partitions of a JetStream stream. See cluster-demo.sh.
//
//   --setup --partitions P [--replicas R]   creates the READINGS and SENSOR_RESULTS streams
//   --publish --events N                     publishes N generated readings (idempotently)
//   --worker --partitions P                  runs as one worker until every partition is done
//   --verify --events N                      checks that every reading is counted exactly once, per sensor and per zone
import Foundation
import Sluice

/// The cluster modes of the sample.
enum ClusterMode {
    static let readings = "READINGS"
    static let results = "SENSOR_RESULTS"

    /// A window's final result, as published by the workers.
    struct WindowCount: Codable, Sendable {
        var sensor: String
        var window_start: Int64
        var readings: Int
        var max: Double
    }

    /// The partition of a sensor: the publisher puts each sensor's readings on one partition's
    /// subject, so each sensor's windows are computed by one worker at a time.
    static func partition(of sensor: Int, partitions: Int) -> Int { sensor % partitions }

    /// Reading `index` of the deterministic series (no reading later than the watermark's
    /// bound, so every one is counted in its window).
    static func reading(_ index: Int) -> (sensor: Int, reading: Reading) {
        var mixed = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 31)) &* 0xBF58_476D_1CE4_E5B9
        let ts = 1_767_225_600_000 + Int64(index) / 4 - Int64(mixed % 1_500)
        let sensor = index % 20
        let swing = 55 + 20 * sin(Double(index / 20) / 300 + Double(sensor))
        let spell = (index / 20) % 997 < 12 && sensor % 7 == 3 ? 30.0 : 0
        return (sensor, Reading(sensor: "s\(sensor < 10 ? "0" : "")\(sensor)", ts: ts, celsius: ((swing + spell) * 10).rounded() / 10))
    }

    static func run(url: String, arguments: [String], option: (String) -> String?) async throws {
        let nats = try NATSConfiguration(url: url, name: "sensor-stream")
        let partitions = option("--partitions").flatMap(Int.init) ?? 6
        let events = option("--events").flatMap(Int.init) ?? 60_000
        if arguments.contains("--setup") {
            let connection = try await NATSConnection.connect(nats)
            defer { connection.close() }
            let jetStream = JetStream(connection, timeout: 15)
            for (name, subjects) in [(readings, ["readings.*.*"]), (results, ["results.>"])] {
                var configuration = StreamConfiguration(name: name, subjects: subjects)
                configuration.replicas = option("--replicas").flatMap(Int.init) ?? 1
                configuration.duplicateWindow = 10 * 60 * 1_000_000_000
                _ = try await jetStream.createStream(configuration)
            }
            print("streams \(readings) (\(partitions) partitions: readings.<partition>.<sensor>) and \(results) ready")
        } else if arguments.contains("--publish") {
            let connection = try await NATSConnection.connect(nats)
            defer { connection.close() }
            let jetStream = JetStream(connection, timeout: 15)
            let encoder = JSONRecordEncoder()
            var pending: [JetStream.PendingPublish] = []
            for index in 0..<events {
                let (sensor, reading) = Self.reading(index)
                var payload: [UInt8] = []
                try encoder.encode(reading, into: &payload)
                // Message ids make a publisher restarted after a crash store nothing twice.
                pending.append(try jetStream.sendPublish("readings.\(partition(of: sensor, partitions: partitions)).\(reading.sensor)",
                                                         payload: payload, messageID: "reading-\(index)"))
                if pending.count == 512 {
                    for publish in pending { _ = try await publish.wait() }
                    pending = []
                }
            }
            for publish in pending { _ = try await publish.wait() }
            print("published \(events) readings")
        } else if arguments.contains("--worker") {
            try await worker(nats, partitions: partitions, name: option("--name"))
        } else if arguments.contains("--verify") {
            try await verify(nats, events: events)
        } else {
            print("with --cluster, give --setup, --publish, --worker or --verify (see --help)")
            exit(2)
        }
    }

    /// The zone of a sensor: zones cut across partitions (sensor `n` is in zone `n mod 4`,
    /// partition `n mod partitions`), so counting per zone repartitions through the broker.
    static func zone(of sensor: String) -> String { "z\((Int(sensor.dropFirst()) ?? 0) % 4)" }

    static func worker(_ nats: NATSConfiguration, partitions: Int, name: String?) async throws {
        let time: @Sendable (Reading) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ts) }
        let input = DataStream("input") {
            Source.jetStream(nats, stream: readings, subjects: ["readings.{partition}.*"], as: Reading.self, mode: .toEnd)
                .eventTime(maxOutOfOrderness: .seconds(2), time)
                .named("readings")
        }
        /// Count and maximum per key and 10 s of event time, as published results.
        func windowCounts(_ keyBy: KeyBy<String, Reading>, named name: String) -> Flow<Reading, WindowCount> {
            Flow {
                keyBy.window(.tumbling(.seconds(10)), eventTime: time) {
                    Count()
                    Max(\.celsius)
                }
                .named(name)
                Map { (result: WindowResult<String, (Int, Double?)>) in
                    WindowCount(sensor: result.key, window_start: result.start.millisecondsSinceEpoch, readings: result.value.0,
                                max: result.value.1 ?? 0)
                }
            }
        }
        let pipeline = Pipeline("sensor-cluster") {
            Flow("per sensor") {
                input
                // The input is partitioned by sensor: each partition's run windows its own.
                windowCounts(KeyBy(\Reading.sensor).sameAsInputPartitioning(), named: "per-10s")
                Sink.jetStream(nats, of: WindowCount.self) { "results.windows.\($0.sensor)" }.named("results")
            }
            Flow("per zone") {
                input
                // Every zone has sensors in every partition: repartitioned by zone.
                windowCounts(KeyBy { (reading: Reading) in zone(of: reading.sensor) }.named("by-zone"), named: "zone-10s")
                Sink.jetStream(nats, of: WindowCount.self) { "results.zones.\($0.sensor)" }.named("zone-results")
            }
        }
        let cluster = JetStreamCluster(nats, group: "sensor-stream", partitions: partitions, worker: name,
                                       checkpointInterval: .seconds(1), sessionTimeout: .seconds(4))
        let stop = StopHandle()
        stop.stopOnSignals()
        var options = RunOptions(chunkSize: 256)
        options.warning = { message in
            FileHandle.standardError.write(Data("\(Int64(Date().timeIntervalSince1970 * 1000)) warning: \(message)\n".utf8))
        }
        try await pipeline.run(cluster: cluster, options: options, stop: stop) { event in
            // Written at once (not buffered), with the time in milliseconds: the demo script
            // measures rebalances from these lines.
            FileHandle.standardOutput.write(Data("\(Int64(Date().timeIntervalSince1970 * 1000)) \(cluster.worker): \(event)\n".utf8))
        }
        print("\(Int64(Date().timeIntervalSince1970 * 1000)) \(cluster.worker): done")
    }

    /// Every window's result — per sensor, and per zone after the repartitioning — must be
    /// published once, with the number of readings generated for it: a reading lost, counted
    /// twice, or a window published twice is a mismatch.
    static func verify(_ nats: NATSConfiguration, events: Int) async throws {
        try await verify(nats, events: events, subjects: "results.windows.>", what: "sensor") { $0 }
        try await verify(nats, events: events, subjects: "results.zones.>", what: "zone", key: zone(of:))
        print("every reading counted exactly once, per sensor and per zone")
    }

    static func verify(_ nats: NATSConfiguration, events: Int, subjects: String, what: String,
                       key: (String) -> String) async throws {
        var expected: [String: Int] = [:]
        for index in 0..<events {
            let reading = Self.reading(index).reading
            expected["\(key(reading.sensor))@\(reading.ts - ((reading.ts % 10_000) + 10_000) % 10_000)", default: 0] += 1
        }
        let collector = Collector<JetStreamMessage>()
        _ = try await Pipeline("verify") {
            Source.jetStream(nats, stream: results, subjects: [subjects], mode: .toEnd)
            Sink.collect(into: collector)
        }.run()
        let decoder = JSONRecordDecoder()
        var published: [String: [Int]] = [:]
        for message in collector.elements {
            let window = try message.payload.withUnsafeBytes { try decoder.decode(WindowCount.self, from: $0) }
            published["\(window.sensor)@\(window.window_start)", default: []].append(window.readings)
        }
        let twice = published.filter { $0.value.count > 1 }
        let wrong = expected.filter { published[$0.key]?.first != $0.value }
        let counted = published.values.compactMap(\.first).reduce(0, +)
        print("per \(what): \(counted) of \(events) readings counted in \(published.count) windows (\(expected.count) expected); \(twice.count) published twice, \(wrong.count) missing or wrong")
        if !twice.isEmpty || !wrong.isEmpty || counted != events {
            print("MISMATCH per \(what): \(wrong.keys.sorted().prefix(5)) \(twice.keys.sorted().prefix(5))")
            exit(1)
        }
    }
}

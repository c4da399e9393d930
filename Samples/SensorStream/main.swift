// sensor-stream: a streaming pipeline over generated IoT readings, with disorder and late
// events: per-sensor 10-second windows, overheating alerts, checkpoints.
//
//   swift run sensor-stream --events 20000     stops by itself after 20,000 readings
//   swift run sensor-stream                     runs until Ctrl-C (a savepoint, then exit 0)
//   swift run sensor-stream --graph             prints the pipeline as Graphviz DOT
//
// Options: --events N, --rate R (readings per second, default 4000), --output DIR
// (default .build/sensor-stream/out), --state DIR (default .build/sensor-stream/state).
//
// Kill it with `kill -9` at any moment and start it again with the same command: it resumes
// from the last checkpoint, and every reading is counted exactly once — in its window's last
// result or in late.jsonl. `--verify --events N` checks that after the run.
import Foundation
import Sluice

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: sensor-stream [--events N] [--rate R] [--output DIR] [--state DIR] [--graph] [--verify]
      Generated readings from 20 sensors (up to 4 s out of order; some later than the 1 s
      lateness): per-sensor 10 s windows (count, mean, max) to windows.jsonl, late readings to
      late.jsonl, an alert after three readings above 80 °C in a row to alerts.jsonl.
      Checkpoints every second in --state; Ctrl-C takes a savepoint; a kill -9 loses nothing.
    usage: sensor-stream --cluster nats://host:port[,…] (--setup | --publish | --worker | --verify)
                         [--partitions P] [--replicas R] [--events N] [--name WORKER]
      The same windows over a partitioned JetStream stream, computed by every process started
      with --worker: they divide the partitions, and take over those of a worker that dies.
      Results go to the stream SENSOR_RESULTS; --verify checks each reading is counted once.
      Samples/SensorStream/cluster-demo.sh runs it all on a local three-node cluster.
    """)
    exit(0)
}
if let url = option("--cluster") {
    do {
        try await ClusterMode.run(url: url, arguments: arguments, option: option)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("sensor-stream: \(error)\n".utf8))
        exit(1)
    }
}

struct Reading: Codable, Sendable {
    var sensor: String
    var ts: Int64
    var celsius: Double
}

struct SensorWindow: Codable, Sendable {
    var sensor: String
    var window_start: Int64
    var readings: Int
    var mean: Double
    var max: Double
    var firing: String
}

struct Alert: Codable, Sendable {
    var sensor: String
    var ts: Int64
    var celsius: Double
}

/// Three readings above 80 °C in a row raise one alert; the count starts again below it.
struct Overheating: KeyedProcessFunction {
    func initialState(for key: String) -> Int { 0 }
    func process(_ reading: Reading, key: String, state hot: inout Int, context: inout KeyedContext,
                 into output: inout Emitter<Alert>) {
        hot = reading.celsius > 80 ? hot + 1 : 0
        if hot == 3 { output.emit(Alert(sensor: key, ts: reading.ts, celsius: reading.celsius)) }
    }
}

let events = option("--events").flatMap(Int.init)
let rate = option("--rate").flatMap(Double.init) ?? 4_000
let output = option("--output") ?? ".build/sensor-stream/out"
let state = option("--state") ?? ".build/sensor-stream/state"
let time: @Sendable (Reading) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ts) }

let pipeline = Pipeline("sensor-stream") {
    Source.events(count: events, perSecond: rate) { index, _ in
        // Event time follows the index, not the wall clock, so every run (and every resumed
        // run) sees the same readings: 1 Jan 2026 onwards, up to 4 s out of order.
        var mixed = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 31)) &* 0xBF58_476D_1CE4_E5B9
        let eventTime = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000 + Int64(Double(index) * 1_000 / rate) - Int64(mixed % 4_000))
        // A slow swing per sensor, and now and then a hot spell.
        let sensor = index % 20
        let swing = 55 + 20 * sin(Double(index / 20) / 300 + Double(sensor))
        let spell = (index / 20) % 997 < 12 && sensor % 7 == 3 ? 30.0 : 0
        return Reading(sensor: "s\(sensor < 10 ? "0" : "")\(sensor)", ts: eventTime.millisecondsSinceEpoch,
                       celsius: ((swing + spell) * 10).rounded() / 10)
    }
    .eventTime(maxOutOfOrderness: .seconds(2), time)
    .named("readings")
    FanOut {
        Flow("windows") {
            KeyBy(\Reading.sensor)
                .window(.tumbling(.seconds(10)), allowedLateness: .seconds(1), eventTime: time) {
                    Count()
                    Average(\.celsius)
                    Max(\.celsius)
                }
                .lateEvents { Sink.jsonLines(output + "/late.jsonl", of: Reading.self).named("late readings") }
                .named("per-10s")
            Map { (result: WindowResult<String, ((Int, Double?), Double?)>) in
                SensorWindow(sensor: result.key, window_start: result.start.millisecondsSinceEpoch, readings: result.value.0.0,
                             mean: ((result.value.0.1 ?? 0) * 100).rounded() / 100, max: result.value.1 ?? 0,
                             firing: "\(result.firing)")
            }
            Sink.jsonLines(output + "/windows.jsonl", of: SensorWindow.self).named("window sink")
        }
        Flow("alerts") {
            KeyBy(\Reading.sensor).process(Overheating()).named("overheating")
            Sink.jsonLines(output + "/alerts.jsonl", of: Alert.self).named("alert sink")
        }
    }
}

if arguments.contains("--graph") {
    print(pipeline.dot())
    exit(0)
}

// --verify: every reading must be counted exactly once, in its window's last result or as late.
if arguments.contains("--verify") {
    let decoder = JSONRecordDecoder()
    func lines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: output + "/" + name, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
    var final: [String: Int] = [:]
    for line in lines("windows.jsonl") {
        guard let window = try? decoder.decode(SensorWindow.self, from: line) else { continue }
        let key = "\(window.sensor)@\(window.window_start)"
        final[key] = max(final[key] ?? 0, window.readings)
    }
    let inWindows = final.values.reduce(0, +), late = lines("late.jsonl").count
    print("\(inWindows + late) readings: \(inWindows) in \(final.count) windows, \(late) late")
    if let events, inWindows + late != events {
        print("MISMATCH: expected \(events)")
        exit(1)
    }
    exit(0)
}

let stop = StopHandle()
stop.stopOnSignals()
do {
    let report = try await pipeline.run(options: RunOptions(progress: RunProgress.printToStandardError),
                                        checkpoints: .every(.seconds(1), in: state), stop: stop)
    FileHandle.standardError.write(Data("\n".utf8))
    print(report)
    if let savepoint = report.stoppedAtSavepoint {
        print("Stopped at savepoint \(savepoint). Run the same command to resume.")
    } else {
        print("Done. Results in \(output)/windows.jsonl, alerts.jsonl and late.jsonl.")
    }
} catch {
    FileHandle.standardError.write(Data("\nsensor-stream: \(error)\n".utf8))
    exit(1)
}

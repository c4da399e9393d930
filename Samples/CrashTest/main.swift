// sluice-crashtest: a checkpointed pipeline to kill at random moments.
//
//   sluice-crashtest --input DIR --output DIR --state DIR --checkpoint-interval-ms N
//       reads the JSON Lines files in DIR, drops repeated event ids (keyed state with
//       timers), sums amounts per user and 60-second event-time window, and writes the
//       results to OUTPUT/windows.jsonl exactly once; resumes from STATE after a crash;
//       exits 0 when the input is done, or at a savepoint on SIGINT/SIGTERM.
//   sluice-crashtest generate --events N --files K --output DIR [--seed S]
//       writes K files of events, some ids repeated, up to 5 s out of order.
import Foundation
import Sluice

struct Event: Codable, Sendable {
    var id: String
    var user: String
    var ts: Int64
    var amount: Double
    var country: String
}

struct WindowSum: Codable, Sendable {
    var user: String
    var window_start: Int64
    var count: Int
    var sum: Double
}

/// Passes the first event of each id; remembers an id for an hour of event time.
struct FirstOfEachID: KeyedProcessFunction {
    func initialState(for key: String) -> Bool { false }

    func process(_ event: Event, key: String, state seen: inout Bool, context: inout KeyedContext,
                 into output: inout Emitter<Event>) {
        guard !seen else { return }
        seen = true
        output.emit(event)
        context.setTimer(at: Timestamp(millisecondsSinceEpoch: event.ts).advanced(by: .seconds(60)))
    }

    func onTimer(at time: Timestamp, key: String, state: inout Bool, context: inout KeyedContext,
                 into output: inout Emitter<Event>) {
        context.clearState()
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sluice-crashtest: \(message)\n".utf8))
    exit(2)
}

if arguments.first == "generate" {
    guard let output = option("--output") else { fail("generate needs --output DIR") }
    let events = Int(option("--events") ?? "200000") ?? 200_000
    let files = max(1, Int(option("--files") ?? "4") ?? 4)
    var random = SplitMix64(seed: UInt64(option("--seed") ?? "42") ?? 42)
    func next() -> UInt64 { random.next() }
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    let countries = ["DE", "FR", "US", "JP", "BR"]
    let perFile = (events + files - 1) / files
    var written = 0
    for file in 0..<files {
        var text = ""
        for _ in 0..<perFile where written < events {
            // Every 10th event repeats a recent id (a retried delivery).
            let index = written % 10 == 9 && written > 20 ? written - Int(next() % 20) - 1 : written
            let ts = 1_767_225_600_000 + Int64(written) * 20 - Int64(next() % 5_000)
            let amount = Double(next() % 100_000) / 100
            text += #"{"id":"e\#(String(format: "%07d", index))","user":"u\#(String(format: "%05d", Int(next() % 1_000)))","ts":\#(ts),"amount":\#(amount),"country":"\#(countries[Int(next() % 5)])"}"# + "\n"
            written += 1
        }
        try text.write(toFile: output + "/events-\(String(format: "%03d", file)).jsonl", atomically: true, encoding: .utf8)
    }
    print("wrote \(written) events in \(files) files to \(output)")
    exit(0)
}

guard let input = option("--input"), let output = option("--output"), let state = option("--state") else {
    fail("usage: sluice-crashtest --input DIR --output DIR --state DIR --checkpoint-interval-ms N | generate --events N --files K --output DIR")
}
let interval = Int(option("--checkpoint-interval-ms") ?? "500") ?? 500

let pipeline = Pipeline("crash test") {
    Source.jsonLines(input + "/*.jsonl", as: Event.self)
        .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
        .named("events")
    KeyBy(\Event.id).process(FirstOfEachID()).named("dedup")
    KeyBy(\Event.user).window(.tumbling(.seconds(60)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
        Count()
        Sum(\.amount)
    }.named("per-minute")
    Map { (result: WindowResult<String, (Int, Double)>) in
        WindowSum(user: result.key, window_start: result.start.millisecondsSinceEpoch, count: result.value.0,
                  sum: (result.value.1 * 100).rounded() / 100)
    }
    Sink.jsonLines(output + "/windows.jsonl", of: WindowSum.self).named("windows")
}

// SIGINT or SIGTERM: take a savepoint, publish what it covers, exit 0; the next start resumes.
let stop = StopHandle()
stop.stopOnSignals()

do {
    let report = try await pipeline.run(checkpoints: .every(.milliseconds(interval), in: state), stop: stop)
    if let savepoint = report.stoppedAtSavepoint {
        print("stopped at savepoint \(savepoint); start again with the same command to resume")
    } else if let checkpoints = report.checkpoints {
        print("done: \(report[stage: "events"]?.recordsOut ?? 0) events read in this run, \(checkpoints.completed) checkpoints"
              + (checkpoints.restoredFrom.map { ", resumed from checkpoint \($0)" } ?? ""))
    }
} catch {
    fail("\(error)")
}

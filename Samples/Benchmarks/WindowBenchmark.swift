import Foundation
import Sluice

/// Per (user, 60-second event-time tumbling window): count and sum of the events, with the
/// watermark 5 s behind the newest event time.
enum WindowBenchmark {
    typealias Event = JSONLinesBenchmark.Event

    struct UserWindow: Codable, Sendable {
        var user: String
        var window_start: Int64
        var count: Int
        var sum: Double
    }

    static let size: Int64 = 60_000
    static let bound: Int64 = 5_000

    static func roundedSum(_ sum: Double) -> Double { (sum * 100).rounded() / 100 }

    static func sluice(input: String, output: String, parallelism: Int, checkpoints: CheckpointPolicy? = nil,
                       stop: StopHandle? = nil, firstRecord: FirstRecordProbe? = nil) async throws -> RunReport {
        try await Pipeline("window") {
            Source.jsonLines(input, as: Event.self)
                .eventTime(maxOutOfOrderness: .milliseconds(bound)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
                .parallelism(parallelism)
            Map { (event: Event) in
                firstRecord?.seen()
                return event
            }.parallelism(parallelism)
            KeyBy(\Event.user).window(.tumbling(.milliseconds(size)),
                                      eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
                Sum(\.amount)
            }.parallelism(parallelism)
            Map { (result: WindowResult<String, (Int, Double)>) in
                UserWindow(user: result.key, window_start: result.start.millisecondsSinceEpoch,
                           count: result.value.0, sum: roundedSum(result.value.1))
            }.parallelism(parallelism)
            Sink.jsonLines(output, of: UserWindow.self)
        }.run(checkpoints: checkpoints, stop: stop)
    }

    /// The same work single-threaded with Sluice's decoder: windows are emitted as the
    /// watermark passes their end, so memory stays bounded like the pipeline's.
    static func handWritten(input: String, output: String) throws -> Int {
        struct WindowKey: Hashable { var user: String; var start: Int64 }
        let decoder = JSONRecordDecoder()
        let encoder = JSONRecordEncoder()
        let out = try BufferedOutput(path: output)
        var open: [WindowKey: (count: Int, sum: Double)] = [:]
        var newest = Int64.min
        var fired = Int64.min
        var written = 0
        func fire(upTo watermark: Int64) throws {
            for (key, value) in open where key.start + size <= watermark {
                try encoder.encode(UserWindow(user: key.user, window_start: key.start, count: value.count,
                                              sum: roundedSum(value.sum)), into: &out.buffer)
                out.buffer.append(0x0A)
                open[key] = nil
                written += 1
            }
            try out.flushIfNeeded()
        }
        try forEachLine(of: input) { line in
            let event = try decoder.decode(Event.self, from: line)
            let start = event.ts - ((event.ts % size) + size) % size
            open[WindowKey(user: event.user, start: start), default: (0, 0)].count += 1
            open[WindowKey(user: event.user, start: start)]!.sum += event.amount
            newest = max(newest, event.ts)
            // Check for complete windows once per window length of event time.
            if newest - bound >= fired + size {
                fired = newest - bound
                try fire(upTo: fired)
            }
        }
        try fire(upTo: .max)
        try out.close()
        return written
    }

    static func sortedLines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").sorted()
    }

    static func run(input: String, output: String, scratch: String, parallelism: [Int]) async throws {
        print("(window) per user and 60 s tumbling window: count and sum; watermark 5 s behind")
        let loopOutput = scratch + "/window-loop.jsonl"
        var loopWritten = 0
        let loop = try await measure(repetitions: 2) { loopWritten = try handWritten(input: input, output: loopOutput) }
        let expected = try sortedLines(loopOutput)
        for instances in parallelism {
            var runReport: RunReport?
            let elapsed = try await measure(repetitions: 2) { runReport = try await sluice(input: input, output: output, parallelism: instances) }
            precondition(runReport?.totalDeadLettered == 0, "late events in the benchmark data")
            let produced = try sortedLines(output)
            precondition(produced == expected, "the window outputs differ")
            report("parallelism \(instances)", sluice: elapsed, loop: loop, loopName: "hand-written loop",
                   items: runReport?[stage: "jsonLines"]?.recordsOut ?? 0)
        }
        print("  \(loopWritten) window results; Sluice's output equals the loop's (as sorted lines)")
    }
}

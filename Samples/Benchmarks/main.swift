// sluice-bench: Sluice's throughput beside hand-written Swift loops doing the same work.
// Build in release mode: swift run -c release sluice-bench [command] [options]
import Foundation
import Sluice

let usage = """
usage: sluice-bench [command] [options]
  all (default)          run (c), (a), (b) and (d) on generated data
  ints [--count N]       (a) N integers (10,000,000) through map → filter → map → sum
  jsonl [--count N | --input FILE] [--parallelism N]
                         (b) JSON Lines events (2,000,000) decoded, filtered, mapped, written
  backpressure [--count N]
                         (c) a fast source into a slow sink; reports peak memory
  csv-to-jsonl --input FILE --output FILE [--parallelism N]
                         (d) an RFC 4180 CSV with a header to JSON Lines
  window [--input FILE] [--output FILE] [--parallelism N]
                         per user and 60 s event-time window: count and sum (2,000,000 events)
  checkpoints [--input FILE] [--parallelism N]
                         the window benchmark with a checkpoint every second beside none; restart time
  match [--records N] [--threshold P] [--explain]
                         synthetic people deduplicated without labels (10,000 and 100,000)
  codec [--input FILE]   per-record cost of the JSON decoder and encoder beside Foundation's,
                         of reading and writing the same events as CSV, and of Codable's own
                         calls with nothing parsed or written
  jetstream [--count N]  the window job over a JetStream stream of 4 partitions (1,000,000 events) by 1
                         worker process on one core and 2 on two (taskset), and 1 repartitioning
                         through the broker; end-to-end latency
  hostile                one record of 50,000 fields, a 10 MB JSON line, a 50 MB CSV field
  standardise [--count N] emails, phones, names, postcodes and dates (200,000 each) beside minimal loops
  postgres-load [--rows N]
                         (e) a CSV (1,000,000 rows) into PostgreSQL, append and upsert, beside psql \\copy
  postgres-read [--rows N]
                         (e) a table (1,000,000 rows) read and decoded, beside psql \\copy … TO
  postgres-cdc [--changes N]
                         (f) committed changes (1,000,000, in transactions of 100) streamed into JSON
                         Lines, beside pg_recvlogical; then the lag at half its rate
  generate-events --count N --output FILE
  generate-csv --rows N --output FILE
  --sluice-only          (with jsonl, csv-to-jsonl or window) time only the pipeline, best of 3
                         (window: of --repetitions N, and the peak resident memory);
                         (with codec) skip Foundation's codecs
  --data DIR             where generated data goes (default .build/bench-data)
"""

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func count(_ name: String, default value: Int) -> Int {
    guard let text = option(name) else { return value }
    guard let parsed = Int(text.replacingOccurrences(of: "_", with: "")), parsed > 0 else {
        print("\(name) needs a positive number, not '\(text)'")
        exit(2)
    }
    return parsed
}

// `--help` anywhere prints the usage; otherwise the first word that is not an option is the
// command (none: all of the default benchmarks).
let command = arguments.contains(where: { ["--help", "-h", "help"].contains($0) }) ? "help"
    : arguments.first.flatMap { $0.hasPrefix("--") ? nil : $0 } ?? "all"
let data = option("--data") ?? ".build/bench-data"
try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)

#if DEBUG
print("warning: sluice-bench was built in debug mode; figures are meaningless. Use: swift run -c release sluice-bench")
#endif

func eventsFile(_ events: Int) throws -> String {
    if let input = option("--input") { return input }
    let path = "\(data)/events-\(events).jsonl"
    if !FileManager.default.fileExists(atPath: path) {
        print("  generating \(events) events into \(path)…")
        try generateEvents(count: events, to: path)
    }
    return path
}

func csvFile(_ rows: Int) throws -> String {
    let path = "\(data)/rows-\(rows).csv"
    if !FileManager.default.fileExists(atPath: path) {
        print("  generating \(rows) CSV rows into \(path)…")
        try generateCSV(rows: rows, to: path)
    }
    return path
}

do {
    switch command {
    case "ints":
        try await IntegerBenchmark.run(count: count("--count", default: 10_000_000), chunkSize: count("--chunk", default: 4096))
    case "jsonl" where arguments.contains("--sluice-only"):
        let events = count("--count", default: 2_000_000)
        let output = option("--output") ?? "\(data)/jsonl-sluice.jsonl"
        let elapsed = try await measure(repetitions: 3) {
            _ = try await JSONLinesBenchmark.sluice(input: try eventsFile(events), output: output, parallelism: count("--parallelism", default: 1))
        }
        print("sluice_seconds=\(elapsed.seconds)")
    case "csv-to-jsonl" where arguments.contains("--sluice-only"):
        guard let input = option("--input"), let output = option("--output") else { print(usage); exit(2) }
        let elapsed = try await measure(repetitions: 3) {
            _ = try await CSVToJSONLinesBenchmark.sluice(input: input, output: output, parallelism: count("--parallelism", default: 1))
        }
        print("sluice_seconds=\(elapsed.seconds)")
    case "jsonl":
        let events = count("--count", default: 2_000_000)
        try await JSONLinesBenchmark.run(input: try eventsFile(events), count: events, scratch: data)
    case "window" where arguments.contains("--sluice-only"):
        guard let output = option("--output") else { print(usage); exit(2) }
        let input = try eventsFile(count("--count", default: 2_000_000))
        let elapsed = try await measure(repetitions: count("--repetitions", default: 3)) {
            _ = try await WindowBenchmark.sluice(input: input, output: output, parallelism: count("--parallelism", default: 2))
        }
        print("sluice_seconds=\(elapsed.seconds)")
        print("peak_rss_mib=\(Int(peakResidentMiB().rounded()))")
    case "window":
        let output = option("--output") ?? "\(data)/window-sluice.jsonl"
        let instances = option("--parallelism") == nil ? [1, 2] : [count("--parallelism", default: 1)]
        try await WindowBenchmark.run(input: try eventsFile(count("--count", default: 2_000_000)), output: output,
                                      scratch: data, parallelism: instances)
    case "checkpoints":
        try await CheckpointBenchmark.run(input: try eventsFile(count("--count", default: 2_000_000)), scratch: data,
                                          parallelism: count("--parallelism", default: 2))
    case "match":
        MatchingBenchmark.run(records: option("--records") == nil ? [10_000, 100_000] : [count("--records", default: 10_000)],
                              threshold: option("--threshold").flatMap(Double.init) ?? 0.99)
    case "jetstream":
        let events = count("--count", default: 1_000_000)
        try await JetStreamBenchmark.run(events: events, input: try eventsFile(max(events, 1_000_000)))
    case "jetstream-worker":
        guard let url = option("--url"), let group = option("--group") else { print(usage); exit(2) }
        try await JetStreamBenchmark.worker(url: url, group: group, repartition: arguments.contains("--repartition"))
    case "codec":
        try await CodecBenchmark.run(input: try eventsFile(count("--count", default: 2_000_000)), sluiceOnly: arguments.contains("--sluice-only"))
    case "standardise":
        StandardiseBenchmark.run(count: count("--count", default: 200_000))
    case "hostile":
        try await HostileInputBenchmark.run(scratch: data, only: option("--case").flatMap(Int.init))
    case "backpressure":
        try await BackpressureBenchmark.run(count: count("--count", default: 10_000_000))
    case "csv-to-jsonl":
        guard let input = option("--input"), let output = option("--output") else {
            print("csv-to-jsonl needs --input FILE and --output FILE\n\n\(usage)")
            exit(2)
        }
        try await CSVToJSONLinesBenchmark.run(input: input, output: output, rows: nil, scratch: data)
    case "postgres-load":
        let rows = count("--rows", default: 1_000_000)
        try await PostgresBenchmark.load(input: try csvFile(rows), rows: rows)
    case "postgres-read":
        let rows = count("--rows", default: 1_000_000)
        try await PostgresBenchmark.read(input: try csvFile(rows), rows: rows)
    case "postgres-cdc":
        try await PostgresCDCBenchmark.run(changes: count("--changes", default: 1_000_000))
    case "generate-events":
        guard let output = option("--output") else { print(usage); exit(2) }
        try generateEvents(count: count("--count", default: 2_000_000), to: output)
    case "generate-csv":
        guard let output = option("--output") else { print(usage); exit(2) }
        try generateCSV(rows: count("--rows", default: 1_000_000), to: output)
    case "all":
        try await BackpressureBenchmark.run(count: 10_000_000)
        try await IntegerBenchmark.run(count: 10_000_000)
        try await JSONLinesBenchmark.run(input: try eventsFile(2_000_000), count: 2_000_000, scratch: data)
        let rows = 1_000_000
        try await CSVToJSONLinesBenchmark.run(input: try csvFile(rows), output: "\(data)/rows.jsonl", rows: rows, scratch: data)
        try await WindowBenchmark.run(input: try eventsFile(2_000_000), output: "\(data)/window-sluice.jsonl",
                                      scratch: data, parallelism: [1, 2])
    case "help", "-h", "--help":
        print(usage)
    default:
        print("unknown command '\(command)'\n\n\(usage)")
        exit(2)
    }
} catch {
    print("sluice-bench failed: \(error)")
    exit(1)
}

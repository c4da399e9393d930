// music-trends: batch ingestion from a paginated, rate-limited REST API, landed raw (ELT),
// then transformed into weekly regional trends joined with product sales by region.
//
//   swift run music-trends              land the API's pages, then compute the trends
//   swift run music-trends --graph      print both pipelines as Graphviz DOT
//   swift run music-trends generate --weeks 20 --output more-music
//
// The API is the bundled pages (Data/api) served on 127.0.0.1 by SluiceTesting's loopback
// server, like a real one: a bearer token, its own rate limit (429 with Retry-After), cursor
// pagination, `since` for incremental loads, and a 503, a dropped connection and a 429 on
// the way. Run it twice: the second run asks only for charts newer than the first saw.
import Foundation
import Sluice

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data").path

if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: music-trends [--data DIR] [--output DIR] [--graph]
           music-trends generate [--weeks N] [--seed S] [--output DIR]

      --data DIR     api/top-artists-NN.json pages and sales.csv (default: the bundled data)
      --output DIR   where lake/ (the raw landing zone), state/ (checkpoints), trends.jsonl
                     and dead-letters.jsonl go (default: music-trends-output)
      --graph        print the land and transform pipelines as Graphviz DOT and exit
      generate       write made-up pages and sales (default: 12 weeks, seed 11)

    The API token is read from CHARTS_API_TOKEN; when it is not set, the sample's own server
    and client share a made-up one.
    """)
    exit(0)
}

if arguments.first == "generate" {
    let directory = option("--output") ?? "music-trends-data"
    do {
        try generateMusicData(weeks: option("--weeks").flatMap(Int.init) ?? 12, seed: option("--seed").flatMap(UInt64.init) ?? 11,
                              into: directory)
        print("Wrote the API pages and sales to \(directory)/")
    } catch {
        FileHandle.standardError.write(Data("music-trends: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

let data = option("--data") ?? bundled
let output = option("--output") ?? "music-trends-output"
let lake = output + "/lake"
if ProcessInfo.processInfo.environment["CHARTS_API_TOKEN"] == nil { setenv("CHARTS_API_TOKEN", "made-up-sample-token", 1) }
let token = ProcessInfo.processInfo.environment["CHARTS_API_TOKEN"]!

/// Land: every response of the API, whole and as it came, into the raw zone; exactly once
/// with checkpoints, and incremental from one run to the next.
func landing(from url: String) -> Pipeline {
    Pipeline("music-trends-land") {
        Source.httpPages(url, records: "data", pagination: .cursor(path: "meta.next"),
                         options: HTTPRequestOptions(bearerTokenEnvironment: "CHARTS_API_TOKEN"),
                         rateLimit: RateLimit(perSecond: 8, burst: 2),
                         retry: RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .seconds(2)),
                         incremental: IncrementalCursor(field: "updated_at", parameter: "since"))
            .named("charts api")
        Sink.landingZone(lake, source: "charts-api").named("land raw pages")
    }
}

let quality = DataQualityReport()
/// Transform: the landed pages into chart entries, two-week windows per region into
/// week-over-week trends, joined with the week's sales by region and genre.
let transform = Pipeline("music-trends-transform") {
    Source.landingZone(lake, source: "charts-api").named("read landed pages").onError(.deadLetter)
    FlatMap(Charts.entries(of:)).named("split pages").onError(.deadLetter)
    MapRecords(Charts.entry, as: ChartEntry.self).named("map entries").onError(.deadLetter)
    Validate(Charts.rules, source: { $0.region }, location: { entry in entry.page.map { SourceLocation(origin: $0, line: entry.position) } },
             report: quality).named("validate entries")
    KeyBy(\ChartEntry.region)
        .window(.sliding(.seconds(14 * 86_400), every: .seconds(7 * 86_400)), eventTime: { $0.weekTime }) { Collect<ChartEntry>() }
        .named("two weeks per region")
    FlatMap { (window: WindowResult<String, [ChartEntry]>) in ChartWeek.from(window).map { [$0] } ?? [] }.named("week over week")
    KeyBy(\ChartWeek.key).join(Flow("sales") {
        Source.csv("\(data)/sales.csv", as: SalesRow.self).named("read sales").onError(.deadLetter)
        Map(Sale.init(row:)).named("standardise sales").onError(.deadLetter)
        KeyBy(\Sale.key)
            .window(.tumbling(.seconds(7 * 86_400)), eventTime: { $0.weekTime }) { Collect<Sale>() }
            .named("sales per region and week")
        Map { (window: WindowResult<String, [Sale]>) in SalesWeek(window) }.named("sum sales")
        KeyBy(\SalesWeek.key)
    }, kind: .left).named("join sales")
    Map { (row: Joined<String, ChartWeek, SalesWeek>) in WeeklyTrend(chart: row.left, sales: row.right) }.named("weekly trend")
    Sink.jsonLines("\(output)/trends.jsonl", of: WeeklyTrend.self).named("write trends")
}.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl", of: DeadLetter.self).named("write dead letters"))

if arguments.contains("--graph") {
    print(landing(from: "http://127.0.0.1/v1/charts/top-artists").dot())
    print(transform.dot())
    exit(0)
}

do {
    let api = try ChartsAPI(pages: data + "/api", token: token, perSecond: 10)
    defer { api.stop() }
    let options = RunOptions(progress: RunProgress.printToStandardError)
    print("Landing \(api.url) into \(lake)")
    let landed = try await landing(from: api.url).run(options: options, checkpoints: .every(.seconds(1), in: output + "/state"))
    FileHandle.standardError.write(Data("\n".utf8))
    print(landed)
    print("API: \(api.statistics)")
    print()
    let report = try await transform.run(options: options)
    FileHandle.standardError.write(Data("\n".utf8))
    print(report)
    print()
    print("Validation of chart entries:")
    print(quality)
    print()
    try Summary.print(trends: "\(output)/trends.jsonl", deadLetters: "\(output)/dead-letters.jsonl")
} catch {
    FileHandle.standardError.write(Data("\nmusic-trends: \(error)\n".utf8))
    exit(1)
}

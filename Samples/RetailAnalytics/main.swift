// retail-analytics: a shop's orders (CSV with decimal commas, duplicates and malformed rows)
// and its clickstream (JSON Lines, out of order by up to 30 s): e-mails standardised,
// duplicate orders dropped, invalid ones dead-lettered, revenue per category per hour, and
// each user's page views per ten minutes next to the orders they placed then.
//
//   swift run retail-analytics                 generates data (first run) and runs
//   swift run retail-analytics --check         ... and checks every figure against a plain loop
//
// Options: --orders N (default 20,000), --data DIR, --output DIR (default
// .build/retail-analytics), --state DIR (checkpoints: kill it at any moment and run it
// again to resume), --graph (Graphviz DOT).
import Foundation
import Sluice

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: retail-analytics [--orders N] [--data DIR] [--output DIR] [--state DIR] [--check] [--graph]
      Reads DIR/orders.csv and DIR/clicks.jsonl (generated when missing) and writes
      revenue.jsonl (per category per hour), activity.jsonl (page views per user per ten
      minutes, beside that user's orders) and dead-letters.jsonl to the output directory.
      --check compares the results with a plain Swift loop over the same files.
    """)
    exit(0)
}

let output = option("--output") ?? ".build/retail-analytics"
let data = option("--data") ?? output + "/data"
if !FileManager.default.fileExists(atPath: data + "/orders.csv") {
    let written = try Generator.write(orders: Int(option("--orders") ?? "") ?? 20_000, seed: 42, to: data)
    print("Generated \(written.orders + written.malformed) orders (\(written.duplicates) exported twice, \(written.malformed) malformed, \(written.badEmails) with a bad address) and \(written.clicks) clicks in \(data)")
}

// The pipeline. The element type of every stream is known, so no closure, key path or sink
// below needs a type annotation.
let csv = CSVOptions(delimiter: ";", numberFormat: .decimalComma, keyDecoding: .convertFromSnakeCase)
let orders = DataStream("orders") {
    Source.csv("\(data)/orders.csv", as: OrderRow.self, options: csv).named("read orders").onError(.deadLetter)
        .eventTime(maxOutOfOrderness: .seconds(30)) { $0.time }
}
.validated(by: [
    .custom("email") { Standardise.email($0.email) == nil ? "'\($0.email)' is not an e-mail address" : nil },
    .range("amount", Decimal(1) / 100...Decimal(100_000)) { $0.amount },
    .allowed("category", Set(Generator.categories)) { $0.category },
])
.map { Order($0) }
.keyBy(\.id).named("drop duplicate orders").deduplicate()

let clicks = DataStream("clicks") {
    Source.jsonLines("\(data)/clicks.jsonl", as: Click.self).named("read clicks").onError(.deadLetter)
        .eventTime(maxOutOfOrderness: .seconds(30)) { $0.time }
}

let pipeline = Pipeline("retail-analytics") {
    orders.keyBy(\.category).named("revenue per hour").parallelism(2)
        .window(.tumbling(.seconds(3600)), eventTime: { $0.time }) {
            Count()
            Sum(\.amount)
        }
        .map { CategoryHour(category: $0.key, hour: iso($0.start), orders: $0.value.0, revenue: $0.value.1) }
        .write(to: Sink.jsonLines("\(output)/revenue.jsonl").named("write revenue"))

    clicks.keyBy(\.user).named("views per 10 minutes")
        .window(.tumbling(.seconds(600)), eventTime: { $0.time }) { Count() }
        .keyBy(\.key).named("with orders")
        .windowJoin(orders.keyBy(\.email), window: .seconds(600), kind: .left,
                    leftTime: { Timestamp(millisecondsSinceEpoch: $0.end.millisecondsSinceEpoch - 1) }, rightTime: { $0.time })
        .map { UserActivity(user: $0.key, windowStart: iso($0.left.start), pageViews: $0.left.value,
                            orderId: $0.right?.id, amount: $0.right?.amount) }
        .write(to: Sink.jsonLines("\(output)/activity.jsonl").named("write activity"))
}.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl").named("write dead letters"))

if arguments.contains("--graph") {
    print(pipeline.dot())
    exit(0)
}

let checkpoints = option("--state").map { CheckpointPolicy.every(.seconds(1), in: $0) }
let report: RunReport
do {
    report = try await pipeline.run(checkpoints: checkpoints)
} catch {
    FileHandle.standardError.write(Data("retail-analytics: \(error)\n".utf8))
    exit(1)
}
print(report)
print("Wrote \(output)/revenue.jsonl, activity.jsonl and dead-letters.jsonl")
if arguments.contains("--check") {
    exit(try Check.run(data: data, output: output) ? 0 : 1)
}

// shop-warehouse: a shop's PostgreSQL database ingested incrementally, standardised and
// validated, and delivered to a star schema in PostgreSQL, exactly once:
// dw.dim_customer (history), dw.dim_product (upsert), dw.fact_order_line and revenue per hour
// from event-time windows.
//
//   Samples/ShopWarehouse/start-server.sh                 starts a local server, prints its URL
//   swift run shop-warehouse --url URL --setup            loads seed.sql and creates the warehouse
//   swift run shop-warehouse --url URL --check            reads what is new, delivers it, checks
//   swift run shop-warehouse --url URL --generate 100     writes orders and changes meanwhile
//   swift run shop-warehouse --url URL --follow           keeps reading every second (Ctrl-C stops)
//   swift run shop-warehouse --url URL --cdc [--follow]   the same from the change stream (logical
//                                                         replication), deletes included
//
// Kill it at any moment (even with SIGKILL) and run it again: it resumes from its last
// checkpoint (--state DIR, default .build/shop-warehouse/state), and nothing is lost or twice.
import Foundation
import Sluice

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("shop-warehouse: \(message)\n".utf8))
    exit(1)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: shop-warehouse [--url URL] [--setup] [--generate N [--pause MS]] [--cdc] [--follow] [--check] [--state DIR] [--output DIR] [--graph]
      --url URL      the server (postgres://user:password@host:port/database); default
                     $SHOP_WAREHOUSE_URL, then libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE
      --setup        (re)creates the shop from seed.sql and an empty warehouse (schema dw)
      --generate N   writes N rounds of new orders and changed customers and products, then exits
      --follow       polls for new rows every second until stopped (Ctrl-C takes a savepoint)
      --cdc          reads the shop's change stream (a logical replication slot, snapshot first)
                     instead of polling, and lands every change raw in OUTPUT/landing; with
                     --generate, the generator also changes and deletes order lines, which only
                     change capture sees
      --audit        (with --cdc) starts an independent record of the changes from now on, which
                     --check then compares the landing zone with
      --check        after the run, compares the warehouse with the truth computed from the shop
      --state DIR    checkpoints (default .build/shop-warehouse/state)
      --output DIR   dead letters (default .build/shop-warehouse)
      --graph        prints the pipeline as Graphviz DOT
    """)
    exit(0)
}

let configuration: PostgresConfiguration
do {
    if let url = option("--url") ?? ProcessInfo.processInfo.environment["SHOP_WAREHOUSE_URL"] {
        configuration = try PostgresConfiguration(url: url)
    } else if let fromEnvironment = try PostgresConfiguration.fromEnvironment(), ProcessInfo.processInfo.environment["PGHOST"] != nil {
        configuration = fromEnvironment
    } else {
        fail("no server: give --url postgres://user:password@host:port/database (Samples/ShopWarehouse/start-server.sh starts one)")
    }
} catch {
    fail("\(error)")
}
let output = option("--output") ?? ".build/shop-warehouse"
let state = option("--state") ?? output + "/state"
let sampleDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

func runScript(_ name: String) throws {
    let sql = try String(contentsOfFile: sampleDirectory + "/" + name, encoding: .utf8)
    let connection = try PostgresConnection(configuration)
    defer { connection.close() }
    _ = try connection.simpleQuery(sql)
}

do {
    if arguments.contains("--setup") {
        try runScript("seed.sql")
        let connection = try PostgresConnection(configuration)
        _ = try connection.simpleQuery("""
            DROP SCHEMA IF EXISTS dw CASCADE;
            DO $$ BEGIN
                IF to_regclass('sluice_commits') IS NOT NULL THEN DELETE FROM sluice_commits WHERE pipeline = 'shop-warehouse'; END IF;
            END $$
            """)
        try ChangeCapture.setUp(connection)
        connection.close()
        try runScript("warehouse.sql")
        try? FileManager.default.removeItem(atPath: state)
        print("Created the shop (300 customers, 60 products, 3,000 orders) and an empty warehouse on \(configuration)")
        exit(0)
    }
    if arguments.contains("--audit") {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        try ChangeCapture.createAuditSlot(connection)
        print("Recording every change from now on in the slot \(ChangeCapture.auditSlot)")
        exit(0)
    }
    if let rounds = option("--generate") {
        guard let count = Int(rounds), count > 0 else { fail("--generate needs a positive number, not '\(rounds)'") }
        let pause = Int(option("--pause") ?? "200") ?? 200
        try Generator.run(configuration, rounds: count, pause: .milliseconds(pause), changingLines: arguments.contains("--cdc"))
        print("Wrote \(count) rounds of orders and changes")
        exit(0)
    }
} catch {
    fail("\(error)")
}

// The pipeline. Each source reads only rows past its cursor, so a later run (or a resumed one)
// reads only what is new.
let polling = arguments.contains("--follow") ? PostgresPolling(every: .seconds(1)) : nil

let customers = DataStream("customers") {
    Source.postgres(configuration, query: "SELECT customer_id, email, name, city, updated_at FROM shop.customers",
                    as: CustomerRow.self, cursor: PostgresCursor("updated_at", "customer_id"), polling: polling)
        .named("read customers").onError(.deadLetter)
}
.map { $0.standardised() }
.validated(by: [.custom("email") { $0.email.contains("@") ? nil : "'\($0.email)' is not an e-mail address" }])

let products = DataStream("products") {
    Source.postgres(configuration, query: "SELECT product_id, sku, name, price, updated_at FROM shop.products",
                    as: ProductRow.self, cursor: PostgresCursor("updated_at", "product_id"), polling: polling)
        .named("read products").onError(.deadLetter)
}

let lines = DataStream("order lines") {
    Source.postgres(configuration, query: """
        SELECT l.order_id, l.line_no, o.customer_id, l.product_id, l.quantity, l.unit_price, o.placed_at, l.created_at
        FROM shop.order_lines l JOIN shop.orders o USING (order_id)
        """, as: LineRow.self, cursor: PostgresCursor("created_at", "order_id", "line_no"), polling: polling)
        .named("read order lines").onError(.deadLetter)
        .eventTime(maxOutOfOrderness: .seconds(3600)) { $0.time }
}

let changeCapture = arguments.contains("--cdc")
let pipeline = changeCapture ? ChangeCapture.pipeline(configuration, follow: arguments.contains("--follow"), output: output) : Pipeline("shop-warehouse") {
    customers.map { DimCustomer($0) }
        .write(to: Sink.postgres(configuration, table: "dw.dim_customer", of: DimCustomer.self, mode: .history(key: ["customer_id"]))
            .named("dim_customer").onError(.deadLetter))
    products.map { DimProduct($0) }
        .write(to: Sink.postgres(configuration, table: "dw.dim_product", of: DimProduct.self, mode: .upsert(key: ["product_id"]))
            .named("dim_product").onError(.deadLetter))
    lines.map { FactLine($0) }
        .write(to: Sink.postgres(configuration, table: "dw.fact_order_line", of: FactLine.self, mode: .upsert(key: ["order_id", "line_no"]))
            .named("fact_order_line").onError(.deadLetter))
    lines.keyBy(\.shop).named("revenue per hour")
        .window(.tumbling(.seconds(3600)), eventTime: { $0.time }) {
            Count()
            Sum(\.amount)
        }
        .map { RevenuePart(hour: $0.start.date, lines: Int64($0.value.0), revenue: $0.value.1) }
        .write(to: Sink.postgres(configuration, table: "dw.revenue_hourly_part", of: RevenuePart.self).named("revenue_hourly"))
}.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl").named("write dead letters"))

if arguments.contains("--graph") {
    print(pipeline.dot())
    exit(0)
}

let stop = StopHandle()
stop.stopOnSignals()
do {
    let report = try await pipeline.run(options: RunOptions(progress: RunProgress.printToStandardError),
                                        checkpoints: .every(.seconds(1), in: state), stop: stop)
    print(report)
    if changeCapture, let read = report[stage: "read shop changes"] {
        let seconds = Double(report.wallTime.components.seconds) + Double(report.wallTime.components.attoseconds) / 1e18
        let lag = read.gauges["slot lag (bytes)"].map { "\($0) bytes" } ?? "not measured"
        print("Changes: \(read.recordsOut) in \(String(format: "%.1f", seconds)) s (\(Int(Double(read.recordsOut) / max(seconds, 0.001)))/s); slot lag \(lag)")
    }
    if let savepoint = report.stoppedAtSavepoint { print("Stopped at savepoint \(savepoint); run again to continue") }
} catch {
    fail("\(error)")
}
if arguments.contains("--check") {
    print("Checking the warehouse against the shop:")
    do {
        var passed = try Check.run(configuration)
        if changeCapture { passed = try Check.landing(configuration, landing: "\(output)/landing") && passed }
        exit(passed ? 0 : 1)
    } catch {
        fail("\(error)")
    }
}

import Foundation
import Sluice
import SluiceTesting
import Synchronization

/// (f) PostgreSQL change capture: committed changes (inserts, updates, deletes in transactions
/// of 100) streamed from a slot by `Source.postgresChanges` into a JSON Lines file, beside
/// `pg_recvlogical` decoding the same WAL from its own slot to /dev/null (the server's own
/// decoding speed: the limit); then the end-to-end lag (commit time to the sink) while a
/// writer commits at half of `pg_recvlogical`'s rate.
enum PostgresCDCBenchmark {
    struct Row: Codable, Sendable { var id: Int64; var name: String; var amount: Decimal; var updated_at: Date }

    static let repetitions = 3

    static func run(changes: Int) async throws {
        let (configuration, psql, server) = try PostgresBenchmark.server()
        defer { server?.stop() }
        let recvlogical = (psql as NSString).deletingLastPathComponent + "/pg_recvlogical"
        guard FileManager.default.isExecutableFile(atPath: recvlogical) else { throw RecordError("no pg_recvlogical beside \(psql)") }
        let transactions = max(1, changes / 100)
        print("(f) PostgreSQL change capture: \(transactions * 100) changes in transactions of 100 (\(configuration)), best of \(repetitions)")
        let slots = (0..<repetitions).flatMap { ["bench_sluice_\($0)", "bench_recv_\($0)"] }
        _ = try PostgresBenchmark.execute(configuration, """
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'bench\\_%';
            DROP PUBLICATION IF EXISTS bench_cdc; DROP TABLE IF EXISTS bench_cdc;
            CREATE TABLE bench_cdc (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12, 2) NOT NULL, updated_at timestamptz NOT NULL);
            CREATE PUBLICATION bench_cdc FOR TABLE bench_cdc;
            """)
        for slot in slots { _ = try PostgresBenchmark.execute(configuration, "SELECT pg_create_logical_replication_slot('\(slot)', 'pgoutput')") }
        let end = try write(configuration, transactions: transactions)

        var recv = Duration.zero, sluice = Duration.zero
        let output = NSTemporaryDirectory() + "sluice-cdc-bench.jsonl"
        defer { try? FileManager.default.removeItem(atPath: output) }
        for run in 0..<repetitions {
            let elapsed = try await measure {
                try PostgresTestServer.run(recvlogical, ["-h", configuration.host, "-p", String(configuration.port), "-U", configuration.user,
                                                         "-d", configuration.database, "--slot", "bench_recv_\(run)", "--start", "--no-loop",
                                                         "-o", "proto_version=1", "-o", "publication_names=bench_cdc",
                                                         "-E", "\(end)", "-f", "/dev/null"],
                                           environment: configuration.password.map { ["PGPASSWORD": $0] } ?? [:])
            }
            if run == 0 || elapsed < recv { recv = elapsed }
            let counted = Accumulator(0)
            let took = try await measure {
                let report = try await Pipeline("postgres-cdc") {
                    Source.postgresChanges(configuration, tables: ["bench_cdc"], slot: "bench_sluice_\(run)", publication: "bench_cdc",
                                           as: Row.self, snapshot: .never, until: .currentLogEnd)
                    Sink.jsonLines(output, of: Change<Row>.self)
                }.run(options: RunOptions(chunkSize: PostgresBenchmark.chunkSize))
                counted.value = report[stage: "postgres changes"]?.recordsOut ?? 0
            }
            guard counted.value == transactions * 100 else { throw RecordError("Sluice delivered \(counted.value) changes of \(transactions * 100)") }
            if run == 0 || took < sluice { sluice = took }
        }
        let total = Double(transactions * 100)
        let share = recv.seconds / sluice.seconds
        print(String(format: "  %-34@ sluice %8.3fs (%6.0f k/s)   %-22@ %8.3fs (%6.0f k/s)   %.0f%% of it [target ≥ 70%%: %@]",
                     "changes into JSON Lines" as NSString, sluice.seconds, total / sluice.seconds / 1e3,
                     "pg_recvlogical" as NSString, recv.seconds, total / recv.seconds / 1e3, share * 100,
                     (share >= 0.7 ? "met" : "missed") as NSString))
        try await lag(configuration, rate: total / recv.seconds / 2, seconds: 10)
        print(String(format: "  peak resident memory of this process: %.0f MiB", peakResidentMiB()))
    }

    /// Commits `transactions` transactions of 100 changes — half inserts, then updates and
    /// deletes of the inserted rows — and returns the log position after the last.
    static func write(_ configuration: PostgresConfiguration, transactions: Int, startingAt first: Int64 = 1) throws -> PostgresLSN {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        let inserts = max(1, transactions / 2), updates = max(0, transactions * 3 / 10)
        var batch: [String] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            _ = try connection.simpleQuery(batch.joined(separator: ";\n"))
            batch = []
        }
        for transaction in 0..<transactions {
            let base = first + Int64((transaction % inserts) * 100)
            let statement: String
            if transaction < inserts {
                statement = "INSERT INTO bench_cdc SELECT i, 'name ' || i, i % 1000 + 0.25, clock_timestamp() FROM generate_series(\(base), \(base + 99)) i"
            } else if transaction < inserts + updates {
                statement = "UPDATE bench_cdc SET amount = amount + 1, updated_at = clock_timestamp() WHERE id BETWEEN \(base) AND \(base + 99)"
            } else {
                statement = "DELETE FROM bench_cdc WHERE id BETWEEN \(base) AND \(base + 99)"
            }
            batch.append("BEGIN; \(statement); COMMIT")
            if batch.count == 50 { try flush() }
        }
        try flush()
        return try connection.simpleQuery("SELECT pg_current_wal_insert_lsn()").last?.rows.first?.first.flatMap { $0.flatMap { PostgresLSN($0) } } ?? .zero
    }

    /// Streams while a writer commits transactions of 100 inserts at `rate` changes a second
    /// for `seconds`; prints the lag from each change's commit to the sink, median and 99th
    /// percentile.
    static func lag(_ configuration: PostgresConfiguration, rate: Double, seconds: Double) async throws {
        _ = try PostgresBenchmark.execute(configuration, "SELECT pg_create_logical_replication_slot('bench_lag', 'pgoutput')")
        let lags = Mutex<[Double]>([])
        let output = NSTemporaryDirectory() + "sluice-cdc-lag.jsonl"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let transactions = Int(rate * seconds / 100)
        let pipeline = Task {
            try await Pipeline("postgres-cdc-lag") {
                Source.postgresChanges(configuration, tables: ["bench_cdc"], slot: "bench_lag", publication: "bench_cdc", as: Row.self,
                                       snapshot: .never)
                Map { (change: Change<Row>) -> Change<Row> in
                    let lag = Date().timeIntervalSince(change.commitTime)
                    lags.withLock { $0.append(lag) }
                    return change
                }
                Sink.jsonLines(output, of: Change<Row>.self)
            }.run()
        }
        try await Task.sleep(for: .seconds(1))   // the stream is open
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        let start = ContinuousClock.now
        let interval = 100 / rate
        for transaction in 0..<transactions {
            let due = start + .milliseconds(Int(Double(transaction) * interval * 1000))
            if due > ContinuousClock.now { try await Task.sleep(until: due) }
            let base = 10_000_000 + Int64(transaction) * 100
            _ = try connection.simpleQuery("BEGIN; INSERT INTO bench_cdc SELECT i, 'lag ' || i, 1, clock_timestamp() FROM generate_series(\(base), \(base + 99)) i; COMMIT")
        }
        let written = ContinuousClock.now - start
        let deadline = ContinuousClock.now + .seconds(30)
        while lags.withLock({ $0.count }) < transactions * 100, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        pipeline.cancel()
        _ = await pipeline.result
        let sorted = lags.withLock { $0 }.sorted()
        guard sorted.count == transactions * 100 else { throw RecordError("the lag run delivered \(sorted.count) changes of \(transactions * 100)") }
        let median = sorted[sorted.count / 2], p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        print(String(format: "  lag at %.0f changes/s (%d in %.1f s): median %.0f ms, 99th percentile %.0f ms [target p99 < 1 s: %@]",
                     Double(sorted.count) / written.seconds, sorted.count, written.seconds, median * 1000, p99 * 1000,
                     (p99 < 1 ? "met" : "missed") as NSString))
    }
}

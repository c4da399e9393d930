import Foundation
import Sluice
import SluiceTesting

/// (e) PostgreSQL: a CSV loaded into a table with a primary key by `Sink.postgres` (append and
/// upsert) beside `psql \copy` of the same file, the server's own speed; and a table read and
/// decoded by `Source.postgres` beside `psql \copy … TO`. The server is `SLUICE_POSTGRES_URL`
/// or a throwaway one started here.
enum PostgresBenchmark {
    struct Row: Codable, Sendable { var id: Int64; var name: String; var comment: String?; var amount: Decimal; var country: String }

    /// The server to measure against, and `psql`.
    static func server() throws -> (configuration: PostgresConfiguration, psql: String, keepAlive: PostgresTestServer?) {
        let binaries = PostgresTestServer.findBinaries()
        guard let binaries else { throw RecordError("postgres benchmarks need PostgreSQL's binaries (initdb, pg_ctl, psql); set SLUICE_POSTGRES_BIN") }
        let path = [binaries] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        guard let psql = path.map({ $0 + "/psql" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw RecordError("postgres benchmarks compare with psql, which is not in \(binaries) nor on PATH")
        }
        if let url = ProcessInfo.processInfo.environment["SLUICE_POSTGRES_URL"] {
            return (try PostgresConfiguration(url: url), psql, nil)
        }
        // The same durability as a production server: the comparison is with psql on the same server.
        guard let server = try PostgresTestServer.start(binaries: binaries, settings: ["fsync": "on", "synchronous_commit": "on",
                                                                                       "full_page_writes": "on", "max_wal_size": "'4GB'"]) else {
            throw RecordError("no PostgreSQL server could be started")
        }
        return (server.configuration, psql, server)
    }

    static func runPsql(_ psql: String, _ configuration: PostgresConfiguration, _ command: String) throws {
        // posix_spawn (through the test helper): Foundation's Process waits badly from a task.
        try PostgresTestServer.run(psql, ["-X", "-q", "-h", configuration.host, "-p", String(configuration.port), "-U", configuration.user,
                                          "-d", configuration.database, "-v", "ON_ERROR_STOP=1", "-c", command],
                                   environment: configuration.password.map { ["PGPASSWORD": $0] } ?? [:])
    }

    static func execute(_ configuration: PostgresConfiguration, _ sql: String) throws -> [[String?]] {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        return try connection.simpleQuery(sql).last?.rows ?? []
    }

    static let createTable = """
        DROP TABLE IF EXISTS bench_rows; DROP TABLE IF EXISTS sluice_commits;
        CREATE TABLE bench_rows (id bigint PRIMARY KEY, name text NOT NULL, comment text, amount numeric(12, 2) NOT NULL, country text NOT NULL)
        """

    /// Elements per chunk (the runtime's default unless set).
    static let chunkSize = Int(ProcessInfo.processInfo.environment["SLUICE_BENCH_CHUNK"] ?? "") ?? RunOptions().chunkSize

    /// Runs of each load; the best counts, for both tools (the machine is shared and noisy).
    static let repetitions = 3

    static func load(input: String, rows: Int) async throws {
        let (configuration, psql, server) = try server()
        defer { server?.stop() }
        print("(e) PostgreSQL load: \(rows) CSV rows into a table with a primary key (\(configuration)), best of \(repetitions)")
        var copy = Duration.zero
        var copied: String?
        for run in 0..<repetitions {
            _ = try execute(configuration, createTable)
            let elapsed = try await measure {
                try runPsql(psql, configuration, "\\copy bench_rows FROM '\(input)' WITH (FORMAT csv, HEADER)")
            }
            if run == 0 || elapsed < copy { copy = elapsed }
            copied = try execute(configuration, "SELECT count(*) FROM bench_rows").first?.first ?? nil
        }
        for mode in [PostgresSinkMode.append, .upsert(key: ["id"])] {
            var best = Duration.zero
            for run in 0..<repetitions {
                _ = try execute(configuration, createTable)
                let elapsed = try await measure {
                    _ = try await Pipeline("postgres-load") {
                        Source.csv(input, as: Row.self)
                        Sink.postgres(configuration, table: "bench_rows", of: Row.self, mode: mode)
                    }.run(options: RunOptions(chunkSize: chunkSize))
                }
                if run == 0 || elapsed < best { best = elapsed }
                let loaded = try execute(configuration, "SELECT count(*) FROM bench_rows").first?.first ?? nil
                guard loaded == copied else { throw RecordError("Sluice loaded \(loaded ?? "?") rows, psql \(copied ?? "?")") }
            }
            let name = mode == .append ? "append" : "upsert"
            report("load, \(name)", sluice: best, loop: copy, loopName: "psql \\copy", items: rows)
        }
        print(String(format: "  peak resident memory of this process: %.0f MiB", peakResidentMiB()))
    }

    static func read(input: String, rows: Int) async throws {
        let (configuration, psql, server) = try server()
        defer { server?.stop() }
        print("(e) PostgreSQL read: \(rows) rows decoded into a struct (\(configuration))")
        _ = try execute(configuration, createTable)
        try runPsql(psql, configuration, "\\copy bench_rows FROM '\(input)' WITH (FORMAT csv, HEADER)")
        _ = try execute(configuration, "VACUUM ANALYZE bench_rows")
        let copy = try await measure(repetitions: 3) {
            try runPsql(psql, configuration, "\\copy (SELECT * FROM bench_rows) TO '/dev/null'")
        }
        var counted = 0
        let elapsed = try await measure(repetitions: 3) {
            let total = Accumulator(0)
            _ = try await Pipeline("postgres-read") {
                Source.postgres(configuration, query: "SELECT * FROM bench_rows", as: Row.self)
                Sink.reduce(into: total) { (count: inout Int, _: Row) in count += 1 }
            }.run()
            counted = total.value
        }
        guard counted == rows else { throw RecordError("read \(counted) rows of \(rows)") }
        report("read and decode", sluice: elapsed, loop: copy, loopName: "psql \\copy TO", items: rows)
        print(String(format: "  peak resident memory of this process: %.0f MiB", peakResidentMiB()))
    }
}

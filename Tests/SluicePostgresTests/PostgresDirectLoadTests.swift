import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluicePostgres

/// A run without checkpoints loads in one transaction, COPYing rows straight into the table
/// in windows of many chunks: upserts over existing keys fall back to merging, refused rows
/// become dead letters from any window, a dropped connection writes nothing, and a parallel
/// sink still stages.
@Suite struct PostgresDirectLoadTests {
    typealias Customer = PostgresSinkTests.Customer

    static func rows(_ sql: String, _ configuration: PostgresConfiguration) throws -> [[String?]] {
        try PostgresSinkTests.rows(sql, configuration)
    }

    @Test func upsertOverExistingKeysAcrossWindowsMergesAndTheLastRowWins() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try PostgresSinkTests.execute("""
            DROP TABLE IF EXISTS direct_upsert, direct_tiers CASCADE;
            CREATE TABLE direct_tiers (tier int PRIMARY KEY); INSERT INTO direct_tiers VALUES (0), (1), (2), (3), (4);
            CREATE TABLE direct_upsert (id int PRIMARY KEY, name text NOT NULL CHECK (name <> ''), city text,
                                        tier int REFERENCES direct_tiers);
            INSERT INTO direct_upsert SELECT i, 'old', 'Oslo', 0 FROM generate_series(40000, 59999) i;
            """, configuration)
        // 0..<40,000 are new (a first window inserts), 40,000..<60,000 exist (their windows
        // merge), 60,000..<80,000 are new again; then a key of this load and an existing one once more.
        var customers = (0..<80_000).map { Customer(id: $0, name: "new", city: nil, tier: $0 % 5) }
        customers.append(Customer(id: 7, name: "last", city: "Bergen", tier: 1))
        customers.append(Customer(id: 50_000, name: "last", city: "Bergen", tier: 2))
        customers[100].name = ""          // 23514 in an inserting window
        customers[45_000].name = ""       // 23514 in a merging window
        customers[46_000].tier = 9        // 23503 in a merging window
        customers[70_000].tier = 9        // 23503 in an inserting window
        let report = try await Pipeline("direct-upsert") {
            Source.collection(customers)
            Sink.postgres(configuration, table: "direct_upsert", of: Customer.self, mode: .upsert(key: ["id"])).onError(.deadLetter)
        }.run()
        let errors = report.deadLetters.map(\.error)
        #expect(report.deadLetters.count == 4, "\(errors)")
        #expect(errors.filter { $0.contains("23514") }.count == 2)
        #expect(errors.filter { $0.contains("23503") }.count == 2)
        #expect(Set(report.deadLetters.compactMap { $0.rawInput.split(separator: ",").first }) ==
                ["{\"id\":100", "{\"id\":45000", "{\"id\":46000", "{\"id\":70000"])
        #expect(try Self.rows("SELECT count(*), count(*) FILTER (WHERE name = 'new'), count(*) FILTER (WHERE name = 'old') FROM direct_upsert", configuration)
                == [["79998", "79994", "2"]])
        #expect(try Self.rows("SELECT id, name, city, tier FROM direct_upsert WHERE name = 'last' ORDER BY id", configuration)
                == [["7", "last", "Bergen", "1"], ["50000", "last", "Bergen", "2"]])
        // The refused rows of merging windows left the old versions in place.
        #expect(try Self.rows("SELECT id, name FROM direct_upsert WHERE id IN (45000, 46000) ORDER BY id", configuration)
                == [["45000", "old"], ["46000", "old"]])
    }

    @Test func anAppendRefusedInAnyWindowIsADeadLetterAndTheRestLand() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try PostgresSinkTests.execute("""
            DROP TABLE IF EXISTS direct_append; CREATE TABLE direct_append (id int PRIMARY KEY, name varchar(5), city text, tier int)
            """, configuration)
        var customers = (0..<70_000).map { Customer(id: $0, name: "n", city: "日本\t\\", tier: 1) }
        for bad in [0, 32_767, 32_768, 69_999] { customers[bad].name = "too long" }
        customers[50_000].id = 10     // a key of this load, in another window
        let report = try await Pipeline("direct-append") {
            Source.collection(customers)
            Sink.postgres(configuration, table: "direct_append", of: Customer.self).onError(.deadLetter)
        }.run()
        #expect(report.deadLetters.count == 5)
        #expect(report.deadLetters.filter { $0.error.contains("22001") }.count == 4)
        #expect(report.deadLetters.filter { $0.error.contains("23505") && $0.error.contains("direct_append_pkey") }.count == 1)
        #expect(try Self.rows("SELECT count(*), count(*) FILTER (WHERE city = E'日本\\t\\\\') FROM direct_append", configuration) == [["69995", "69995"]])
    }

    @Test func aConnectionDroppedMidRunFailsTheRunAndWritesNothing() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try PostgresSinkTests.execute("DROP TABLE IF EXISTS direct_dropped; CREATE TABLE direct_dropped (id int, name text, city text, tier int)", configuration)
        let pipeline = Pipeline("direct-dropped") {
            Source.generate(count: 60_000) { (i: Int) throws -> Customer in
                if i == 45_000 {
                    // After a window has gone to the server: end the loading session.
                    _ = try PostgresSinkTests.execute("""
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND query LIKE '%COPY%direct_dropped%'
                        """, configuration)
                }
                return Customer(id: i, name: "n", city: nil, tier: 1)
            }
            Sink.postgres(configuration, table: "direct_dropped", of: Customer.self)
        }
        do {
            _ = try await pipeline.run()
            Issue.record("the run should fail when its session is terminated")
        } catch {
            #expect("\(error)".contains("nothing of the run was written"), "\(error)")
            #expect(!"\(error)".contains(configuration.password ?? "no password"))
        }
        #expect(try Self.rows("SELECT count(*) FROM direct_dropped", configuration) == [["0"]])
    }

    @Test func aParallelSinkStagesAndLoadsEveryRowOnce() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try PostgresSinkTests.execute("""
            DROP TABLE IF EXISTS parallel_load; CREATE TABLE parallel_load (id int PRIMARY KEY, name text, city text, tier int);
            \(PostgresMerge.createCommitsTable); DELETE FROM sluice_commits WHERE pipeline = 'parallel-load'
            """, configuration)
        _ = try await Pipeline("parallel-load") {
            Source.generate(count: 10_000) { (i: Int) -> Customer in Customer(id: i, name: "n", city: nil, tier: 1) }
            Sink.postgres(configuration, table: "parallel_load", of: Customer.self, mode: .upsert(key: ["id"])).parallelism(2)
        }.run()
        #expect(try Self.rows("SELECT count(*), count(DISTINCT id) FROM parallel_load", configuration) == [["10000", "10000"]])
        // Each instance staged and merged on its own (a direct load would hold both in open
        // transactions, waiting on each other's keys).
        #expect(try Self.rows("SELECT count(DISTINCT attempt) FROM sluice_commits WHERE pipeline = 'parallel-load'", configuration) == [["2"]])
    }
}

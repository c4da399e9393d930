import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluicePostgres

/// `Sink.postgres` on a real server: rows the database refuses become dead letters with the
/// SQLSTATE and constraint, each mode merges as it says, and with checkpoints every row lands
/// exactly once however often the run fails, commits are replayed or the server restarts.
@Suite struct PostgresSinkTests {
    struct Customer: Codable, Sendable, Equatable { var id: Int; var name: String; var city: String?; var tier: Int }

    static func execute(_ sql: String, _ configuration: PostgresConfiguration) throws -> [PostgresConnection.Result] {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        return try connection.simpleQuery(sql)
    }

    static func rows(_ sql: String, _ configuration: PostgresConfiguration) throws -> [[String?]] {
        try execute(sql, configuration).last?.rows ?? []
    }

    @Test func rowsTheDatabaseRefusesBecomeDeadLettersWithTheirSQLStateAndTheRestLand() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("""
            DROP TABLE IF EXISTS sink_customers, sink_tiers CASCADE;
            CREATE TABLE sink_tiers (tier int PRIMARY KEY); INSERT INTO sink_tiers VALUES (1), (2), (3);
            CREATE TABLE sink_customers (id int PRIMARY KEY, name varchar(10) NOT NULL CHECK (name <> ''), city text,
                                         tier int NOT NULL CONSTRAINT tier_fk REFERENCES sink_tiers);
            INSERT INTO sink_customers VALUES (1, 'existing', NULL, 1);
            """, configuration)
        var customers = (2...2_001).map { Customer(id: $0, name: "c\($0)", city: $0 % 3 == 0 ? nil : "Zürich\t\"\\\n", tier: $0 % 3 + 1) }
        customers[10].name = "much too long a name"      // 22001 value too long
        customers[20].name = ""                          // 23514 check
        customers[30].id = 1                             // 23505 the existing row's key
        customers[40].tier = 9                           // 23503 no such tier
        customers[50].id = 2                             // 23505 a key of this load
        let pipeline = Pipeline("load-customers") {
            Source.collection(customers)
            Sink.postgres(configuration, table: "sink_customers", of: Customer.self).onError(.deadLetter)
        }
        let report = try await pipeline.run()
        let errors = report.deadLetters.map(\.error)
        #expect(report.deadLetters.count == 5)
        #expect(errors.contains { $0.contains("22001") })
        #expect(errors.contains { $0.contains("23514") && $0.contains("sink_customers_name_check") })
        #expect(errors.filter { $0.contains("23505") && $0.contains("sink_customers_pkey") }.count == 2, "\(errors)")
        #expect(errors.contains { $0.contains("23503") && $0.contains("tier_fk") })
        #expect(report.deadLetters.allSatisfy { $0.rawInput.hasPrefix("{\"id\":") })
        #expect(!errors.joined().contains(configuration.password ?? "no password"))
        #expect(try Self.rows("SELECT count(*) FROM sink_customers", configuration) == [["1996"]])
        #expect(try Self.rows("SELECT city FROM sink_customers WHERE id = 4", configuration) == [["Zürich\t\"\\\n"]])
        #expect(try Self.rows("SELECT count(*) FROM sink_customers WHERE city IS NULL", configuration) == [["666"]])
    }

    @Test func aFailedRunWithoutCheckpointsWritesNothing() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("DROP TABLE IF EXISTS failed_load; CREATE TABLE failed_load (id int, name text, city text, tier int)", configuration)
        struct Broken: Error {}
        let pipeline = Pipeline("failed-load") {
            Source.generate(count: 5_000) { (i: Int) throws -> Customer in
                if i == 4_000 { throw Broken() }
                return Customer(id: i, name: "n", city: nil, tier: 1)
            }
            Sink.postgres(configuration, table: "failed_load", of: Customer.self)
        }
        await #expect(throws: (any Error).self) { _ = try await pipeline.run() }
        #expect(try Self.rows("SELECT count(*) FROM failed_load", configuration) == [["0"]])
    }

    @Test func upsertInsertsOrUpdatesByKeyAndTheLastRowOfAKeyWins() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("DROP TABLE IF EXISTS upserted; CREATE TABLE upserted (id int PRIMARY KEY, name text, city text, tier int, loaded_at timestamptz DEFAULT now())", configuration)
        let first = [Customer(id: 1, name: "Ada", city: "London", tier: 1), Customer(id: 2, name: "Grace", city: "Arlington", tier: 2)]
        let second = [Customer(id: 2, name: "Grace", city: nil, tier: 3), Customer(id: 3, name: "Alan", city: "Wilmslow", tier: 1),
                      Customer(id: 3, name: "Alan M. Turing", city: "Wilmslow", tier: 1)]
        for batch in [first, second] {
            _ = try await Pipeline("upsert") {
                Source.collection(batch)
                Sink.postgres(configuration, table: "upserted", of: Customer.self, mode: .upsert(key: ["id"]))
            }.run()
        }
        #expect(try Self.rows("SELECT id, name, city, tier FROM upserted ORDER BY id", configuration)
                == [["1", "Ada", "London", "1"], ["2", "Grace", nil, "3"], ["3", "Alan M. Turing", "Wilmslow", "1"]])
        #expect(try Self.rows("SELECT count(*) FROM upserted WHERE loaded_at IS NOT NULL", configuration) == [["3"]])
    }

    @Test func historyClosesAChangedVersionOpensANewOneAndLeavesAnUnchangedRowAlone() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("""
            DROP TABLE IF EXISTS dim_customer_test;
            CREATE TABLE dim_customer_test (surrogate bigserial PRIMARY KEY, id int NOT NULL, name text, city text, tier int,
                                            valid_from timestamptz NOT NULL, valid_to timestamptz)
            """, configuration)
        let runs = [[Customer(id: 1, name: "Ada", city: "London", tier: 1), Customer(id: 2, name: "Grace", city: nil, tier: 2)],
                    [Customer(id: 1, name: "Ada", city: "London", tier: 1), Customer(id: 2, name: "Grace", city: "Arlington", tier: 2),
                     Customer(id: 3, name: "Alan", city: nil, tier: 1)],
                    [Customer(id: 2, name: "Grace", city: "Arlington", tier: 2)]]
        for customers in runs {
            _ = try await Pipeline("history") {
                Source.collection(customers)
                Sink.postgres(configuration, table: "dim_customer_test", of: Customer.self, mode: .history(key: ["id"]))
            }.run()
        }
        #expect(try Self.rows("SELECT id, city, valid_to IS NULL FROM dim_customer_test ORDER BY id, valid_from", configuration)
                == [["1", "London", "t"], ["2", nil, "f"], ["2", "Arlington", "t"], ["3", nil, "t"]])
        // The closed version ends exactly when the new one starts: one answer for any moment.
        #expect(try Self.rows("""
            SELECT count(*) FROM dim_customer_test a JOIN dim_customer_test b ON a.id = b.id AND a.valid_to = b.valid_from
            """, configuration) == [["1"]])
    }

    /// Loads `count` customers with checkpoints, failing at each of `failures` in turn and
    /// resuming, then checks that every id is in the table exactly once.
    func loadExactlyOnce(table: String, count: Int, failures: [Int], configuration: PostgresConfiguration,
                         during: (@Sendable () throws -> Void)? = nil) async throws {
        _ = try Self.execute("DROP TABLE IF EXISTS \(table); CREATE TABLE \(table) (id int, name text, city text, tier int)", configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        struct Crash: Error {}
        let attempts = failures + [nil]
        for failAt in attempts {
            let pipeline = Pipeline("exactly-once") {
                Source.generate(count: count) { (i: Int) throws -> Customer in
                    if i == failAt { throw Crash() }
                    if i % 500 == 0 { usleep(2_000) }
                    if i == count / 2 { try during?() }
                    return Customer(id: i, name: "n\(i)", city: nil, tier: i % 5)
                }
                Sink.postgres(configuration, table: table, of: Customer.self)
            }
            do {
                _ = try await pipeline.run(options: RunOptions(chunkSize: 100), checkpoints: .every(.milliseconds(20), in: state.path))
                #expect(failAt == nil)
            } catch {
                #expect(failAt != nil, "\(error)")
            }
        }
        #expect(try Self.rows("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM \(table)", configuration)
                == [[String(count), String(count), "0", String(count - 1)]])
    }

    @Test func withCheckpointsEveryRowLandsOnceHoweverOftenTheRunFails() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try await loadExactlyOnce(table: "exactly_once", count: 20_000, failures: [3_000, 9_000, 9_100, 17_000], configuration: configuration)
        #expect(try Self.rows("SELECT count(*) FROM sluice_commits WHERE pipeline = 'exactly-once'", configuration).first?.first.flatMap { Int($0 ?? "") } ?? 0 > 3)
    }

    @Test func aReplayedCommitMergesNothing() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("DROP TABLE IF EXISTS replayed; CREATE TABLE replayed (id int, name text, city text, tier int)", configuration)
        let sink: PostgresSink<Customer> = Sink.postgres(configuration, table: "replayed")
        var context = StageContext(stageName: "postgres", isCheckpointed: true)
        context.pipelineName = "replay"
        var writer = try await sink.makeWriter(context)
        try await writer.recover(after: nil)
        var failures = RecordFailures(stage: "postgres", policy: .fail)
        try await writer.write((1...10).map { Customer(id: $0, name: "n", city: nil, tier: 1) }, failures: &failures)
        let transaction = try await writer.preCommit(CheckpointID(1))
        let publish = try #require(sink.transactionPublisher)
        let bytes = try StateCoding.encode(transaction)
        try publish(bytes)
        try publish(bytes)   // the process died after merging, before the checkpoint was marked committed
        #expect(try Self.rows("SELECT count(*) FROM replayed", configuration) == [["10"]])
        await writer.abort()
    }

    @Test func aServerRestartDuringALoadLosesAndRepeatsNothing() async throws {
        guard let server = try PostgresServer.dedicated() else { return }
        defer { server.stop() }
        try await loadExactlyOnce(table: "restarted_load", count: 20_000, failures: [], configuration: server.configuration,
                                  during: { try server.restart() })
    }
}

extension PostgresSinkTests {
    @Test func aCheckpointBeforeTheFirstRowCommitsNothingAndLaterRowsStillLand() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("DROP TABLE IF EXISTS quiet; CREATE TABLE quiet (surrogate bigserial PRIMARY KEY, id int NOT NULL, name text, city text, tier int, valid_from timestamptz NOT NULL, valid_to timestamptz)", configuration)
        let sink: PostgresSink<Customer> = Sink.postgres(configuration, table: "quiet", mode: .history(key: ["id"]))
        var context = StageContext(stageName: "postgres", isCheckpointed: true)
        context.pipelineName = "quiet"
        var writer = try await sink.makeWriter(context)
        try await writer.recover(after: nil)
        let publish = try #require(sink.transactionPublisher)
        try publish(try StateCoding.encode(try await writer.preCommit(CheckpointID(1))))
        var failures = RecordFailures(stage: "postgres", policy: .fail)
        try await writer.write([Customer(id: 1, name: "Ada", city: nil, tier: 1)], failures: &failures)
        try publish(try StateCoding.encode(try await writer.preCommit(CheckpointID(2))))
        #expect(try Self.rows("SELECT id, name FROM quiet WHERE valid_to IS NULL", configuration) == [["1", "Ada"]])
        await writer.abort()
    }
}

extension PostgresSinkTests {
    struct Profile: Codable, Sendable, Equatable {
        enum Tier: String, Codable, Sendable, CaseIterable { case gold, silver }
        struct Address: Codable, Sendable, Equatable { var city: String }
        var id: Int64; var email: String; var score: Double?; var joined: Date; var balance: Decimal
        var tags: [String]; var address: Address; var tier: Tier; var token: UUID
    }

    @Test func createTableDerivesTheTableFromTheSwiftType() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("DROP TABLE IF EXISTS derived_profiles", configuration)
        let profiles = (1...3).map { Profile(id: $0, email: "p\($0)@example.com", score: $0 == 2 ? nil : 1.5, joined: Date(timeIntervalSince1970: 1_772_323_200),
                                             balance: Decimal(string: "12.34")!, tags: ["a", "b \"c\""], address: .init(city: "Zürich"),
                                             tier: .gold, token: UUID()) }
        _ = try await Pipeline("derive") {
            Source.collection(profiles)
            Sink.postgres(configuration, table: "derived_profiles", of: Profile.self, mode: .upsert(key: ["id"]), createTable: true)
        }.run()
        #expect(try Self.rows("""
            SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position)
            FROM information_schema.columns WHERE table_name = 'derived_profiles'
            """, configuration) == [["id bigint NO, email text NO, score double precision YES, joined timestamp with time zone NO, balance numeric NO, tags ARRAY NO, address jsonb NO, tier text NO, token uuid NO"]])
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        var back: [Profile] = []
        try connection.query("SELECT * FROM derived_profiles ORDER BY id") { rows in back += try rows.map { try $0.decode(Profile.self) } }
        #expect(back == profiles)
    }
}

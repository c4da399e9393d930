import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluicePostgres

/// `Source.postgres` on a real server: typed rows, dead letters, incremental reading with a
/// keyset cursor (rows sharing a cursor value included), resuming at every chunk boundary,
/// polling, cancellation and a server restarted mid-read.
@Suite struct PostgresSourceTests {
    struct Order: Decodable, Sendable, Equatable { var id: Int; var customer: String; var quantity: Int16; var updated_at: Date }

    /// A fresh table `name` with `count` orders; every fourth shares its `updated_at` with the previous.
    static func createOrders(_ name: String, count: Int, _ configuration: PostgresConfiguration) throws {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        _ = try connection.simpleQuery("""
            DROP TABLE IF EXISTS \(name);
            CREATE TABLE \(name) (id int PRIMARY KEY, customer text NOT NULL, quantity int NOT NULL, updated_at timestamptz NOT NULL);
            INSERT INTO \(name) SELECT i, 'customer ' || i, i % 7, timestamptz '2026-11-01' + ((i - i % 4) * interval '1 minute')
              FROM generate_series(1, \(count)) AS i;
            """)
    }

    static func execute(_ sql: String, _ configuration: PostgresConfiguration) throws {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        _ = try connection.simpleQuery(sql)
    }

    @Test func rowsDecodeIntoTheTypeAndABadRowBecomesADeadLetterWithItsRawValues() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.createOrders("source_orders", count: 1_000, configuration)
        try Self.execute("UPDATE source_orders SET quantity = 70000 WHERE id = 500", configuration)
        let source = Source.postgres(configuration, query: "SELECT * FROM source_orders ORDER BY id", as: Order.self).onError(.deadLetter)
        let result = try await SourceHarness.readAll(source, chunkSize: 128)
        #expect(result.elements.count == 999)
        #expect(result.elements.map(\.id) == Array(1...1_000).filter { $0 != 500 })
        let letter = try #require(result.deadLetters.first)
        #expect(result.deadLetters.count == 1)
        #expect(letter.error.contains("column 'quantity' (integer) does not fit Int16"))
        #expect(letter.rawInput.hasPrefix("id=500, customer=customer 500, quantity=70000"))
        #expect(letter.location?.line == 500 && letter.location?.field == "quantity")
        #expect(letter.location?.origin.contains("secret") == false)
        #expect(!"\(letter)".contains(configuration.password ?? "no password"))
    }

    @Test func aResumedReadContinuesAfterTheLastRowAtEveryChunkBoundary() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.createOrders("resumed_orders", count: 60, configuration)
        let keyset = Source.postgres(configuration, query: "SELECT * FROM resumed_orders", as: Order.self,
                                     cursor: PostgresCursor("updated_at", "id"), fetchSize: 7)
        #expect(try await SourceHarness.resumptionDifference(keyset, chunkSize: 5) == nil)
        // A cursor on a column whose values repeat: the rows emitted at the last value are skipped, not lost.
        let shared = Source.postgres(configuration, query: "SELECT * FROM resumed_orders", as: Order.self,
                                     cursor: PostgresCursor("updated_at"), fetchSize: 7)
        #expect(try await SourceHarness.resumptionDifference(shared, chunkSize: 3) == nil)
        // Without a cursor the position counts rows of a query in a fixed order.
        let ordered = Source.postgres(configuration, query: "SELECT * FROM resumed_orders ORDER BY id", as: Order.self, fetchSize: 4)
        #expect(try await SourceHarness.resumptionDifference(ordered, chunkSize: 9) == nil)
    }

    @Test func aLaterRunReadsOnlyNewRowsIncludingOnesThatShareTheLastCursorValue() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.createOrders("incremental_orders", count: 10, configuration)
        let source = Source.postgres(configuration, query: "SELECT * FROM incremental_orders", as: Order.self,
                                     cursor: PostgresCursor("updated_at"))
        let context = StageContext(stageName: "postgres")
        let first = try await source.makeErasedSource(context)
        var ids: [Int] = []
        while true {
            let (outcome, done) = try await first.read(100)
            ids += outcome.output?.elements(as: Order.self).map(\.id) ?? []
            if done { break }
        }
        #expect(ids == Array(1...10))
        let saved = try first.position!()
        await first.close()
        // Row 11 shares the last value (rows 8–10 have it), row 12 is newer, row 0 is older.
        try Self.execute("""
            INSERT INTO incremental_orders VALUES (11, 'late', 1, (SELECT updated_at FROM incremental_orders WHERE id = 10)),
              (12, 'new', 1, timestamptz '2026-12-01'), (0, 'old', 1, timestamptz '2020-01-01')
            """, configuration)
        let second = try await source.makeErasedSource(context)
        try second.restore!(saved)
        var next: [Int] = []
        while true {
            let (outcome, done) = try await second.read(100)
            next += outcome.output?.elements(as: Order.self).map(\.id) ?? []
            if done { break }
        }
        await second.close()
        #expect(next == [11, 12])
    }

    @Test func aNullCursorValueFailsTheRunNamingTheColumn() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.execute("DROP TABLE IF EXISTS null_cursor; CREATE TABLE null_cursor (id int, changed timestamptz); INSERT INTO null_cursor VALUES (1, now()), (2, NULL)", configuration)
        let source = Source.postgres(configuration, query: "SELECT * FROM null_cursor", cursor: PostgresCursor("changed", "id"))
        await #expect { _ = try await SourceHarness.readAll(source) } throws: { "\($0)".contains("a cursor column is NULL") && "\($0)".contains("id=2, changed=NULL") }
    }

    @Test func pollingReadsNewRowsAsTheyArrive() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.createOrders("polled_orders", count: 3, configuration)
        let source = Source.postgres(configuration, query: "SELECT * FROM polled_orders", as: Order.self,
                                     cursor: PostgresCursor("updated_at", "id"), polling: PostgresPolling(every: .milliseconds(100)))
        let reader = try await source.makeErasedSource(StageContext(stageName: "postgres"))
        var ids: [Int] = []
        var inserted = false
        let deadline = ContinuousClock.now + .seconds(90)   // a guard against hanging, far beyond a poll
        while ids.count < 5, ContinuousClock.now < deadline {
            let (outcome, done) = try await reader.read(100)
            #expect(!done, "a polling source never ends")
            ids += outcome.output?.elements(as: Order.self).map(\.id) ?? []
            if ids.count == 3, !inserted {
                try Self.execute("INSERT INTO polled_orders VALUES (4, 'd', 1, now()), (5, 'e', 1, now() + interval '1 second')", configuration)
                inserted = true
            }
        }
        await reader.close()
        #expect(ids == [1, 2, 3, 4, 5])
    }

    @Test func pollingWithoutACursorIsRefused() async throws {
        let configuration = try PostgresConfiguration(url: "postgres://u:pw@127.0.0.1:1/db")
        let source = Source.postgres(configuration, query: "SELECT 1", polling: PostgresPolling(every: .seconds(1)))
        await #expect { _ = try await source.makeErasedSource(StageContext(stageName: "postgres")) } throws: { "\($0)".contains("needs a cursor") }
    }

    /// Cancelled at once (before the query may have started) and while it runs.
    @Test(.timeLimit(.minutes(2)), arguments: [0, 5, 300])
    func cancellingTheRunCancelsTheRunningQuery(afterMilliseconds delay: Int) async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let marker = "cancel me \(delay)"
        let source = Source.postgres(configuration, query: "SELECT pg_sleep(600), '\(marker)' AS marker")
        let task = Task { try await SourceHarness.readAll(source) }
        try await Task.sleep(for: .milliseconds(delay))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        // Nothing of the query is left running on the server.
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        let running = try connection.simpleQuery("""
            SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%\(marker)%' AND pid <> pg_backend_pid()
            """)
        #expect(running.first?.rows == [["0"]])
    }

    @Test func aServerRestartMidReadResumesFromThePositionWithNothingLostOrTwice() async throws {
        guard let server = try PostgresServer.dedicated() else { return }
        defer { server.stop() }
        try Self.createOrders("restarted_orders", count: 20_000, server.configuration)
        let source = Source.postgres(server.configuration, query: "SELECT * FROM restarted_orders", as: Order.self,
                                     cursor: PostgresCursor("updated_at", "id"), fetchSize: 500)
        let reader = try await source.makeErasedSource(StageContext(stageName: "postgres", chunkSize: 500))
        var ids: [Int] = []
        var restarted = false
        while true {
            let (outcome, done) = try await reader.read(500)
            ids += outcome.output?.elements(as: Order.self).map(\.id) ?? []
            if done { break }
            if ids.count >= 5_000, !restarted {
                try server.restart()
                restarted = true
            }
        }
        await reader.close()
        #expect(restarted)
        #expect(ids.count == 20_000 && Set(ids).count == 20_000)
    }
}

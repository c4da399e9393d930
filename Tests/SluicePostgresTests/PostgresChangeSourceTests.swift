import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluicePostgres

/// `Source.postgresChanges` on a real server: changes in commit order with their keys, the
/// stream catching up and ending, and exactly once across a failed run with checkpoints,
/// with the slot confirmed only to committed checkpoints.
@Suite struct PostgresChangeSourceTests {
    static func execute(_ sql: String, _ configuration: PostgresConfiguration) throws -> [[String?]] {
        try PostgresSinkTests.rows(sql, configuration)
    }

    static func reset(_ table: String, slot: String, _ configuration: PostgresConfiguration) throws {
        _ = try execute("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '\(slot)';
            DROP PUBLICATION IF EXISTS \(slot)_publication; DROP TABLE IF EXISTS \(table);
            CREATE TABLE \(table) (id int PRIMARY KEY, name text, amount numeric(10, 2));
            """, configuration)
    }

    @Test func changesArriveInCommitOrderWithTheirKeysAndTheStreamCatchesUpAndEnds() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_orders", slot: "cdc_orders_slot", configuration)
        struct Order: Decodable, Sendable, Equatable { var id: Int; var name: String?; var amount: Decimal? }
        func capture() async throws -> [Change<Order>] {
            let collected = Accumulator<[Change<Order>]>([])
            _ = try await Pipeline("cdc-orders") {
                Source.postgresChanges(configuration, tables: ["cdc_orders"], slot: "cdc_orders_slot", as: Order.self, snapshot: .never,
                                       until: .currentLogEnd)
                Sink.reduce(into: collected) { (all: inout [Change<Order>], change: Change<Order>) in all.append(change) }
            }.run()
            return collected.value
        }
        // The first run creates the publication and slot, and has nothing to catch up with.
        #expect(try await capture().isEmpty)
        for statement in ["INSERT INTO cdc_orders VALUES (1, 'Ada', 10.50), (2, 'Grace', NULL)",
                          "UPDATE cdc_orders SET name = 'Grace H.' WHERE id = 2",
                          "DELETE FROM cdc_orders WHERE id = 1",
                          "TRUNCATE cdc_orders"] {
            _ = try Self.execute(statement, configuration)
        }
        let changes = try await capture()
        #expect(changes.map(\.operation) == [.insert, .insert, .update, .delete, .truncate])
        #expect(changes.map(\.table) == Array(repeating: "public.cdc_orders", count: 5))
        #expect(changes[0].after == Order(id: 1, name: "Ada", amount: Decimal(string: "10.5")))
        #expect(changes[2].after == Order(id: 2, name: "Grace H.", amount: nil))
        #expect(changes[3].after == nil && changes[3].key == Record([("id", .int(1))]))
        #expect(changes[0].transactionID == changes[1].transactionID && changes[0].commitLSN == changes[1].commitLSN)
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.commitLSN <= $1.commitLSN })
        // Without checkpoints the slot does not move: the next run reads the same changes.
        #expect(try await capture().count == 5)
    }

    @Test func withCheckpointsEveryChangeLandsOnceAcrossAFailedRunAndTheSlotFollowsCommits() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_items", slot: "cdc_items_slot", configuration)
        _ = try Self.execute("DROP TABLE IF EXISTS cdc_items_copy; CREATE TABLE cdc_items_copy (id int, name text, amount numeric(10, 2))", configuration)
        struct Item: Codable, Sendable { var id: Int; var name: String?; var amount: Decimal? }
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let failed = Accumulator(false)
        struct Crash: Error {}
        func run(failAt: Int?) async throws {
            _ = try await Pipeline("cdc-items") {
                Source.postgresChanges(configuration, tables: ["cdc_items"], slot: "cdc_items_slot", as: Item.self, until: .currentLogEnd)
                Map { (change: Change<Item>) throws -> Item in
                    guard let item = change.after else { throw RecordError("not an insert") }
                    if item.id == failAt, !failed.value {
                        failed.value = true
                        throw Crash()
                    }
                    return item
                }
                Sink.postgres(configuration, table: "cdc_items_copy", of: Item.self)
            }.run(options: RunOptions(chunkSize: 7), checkpoints: .every(.milliseconds(10), in: state.path))
        }
        try await run(failAt: nil)   // creates the slot
        for batch in 0..<30 {
            _ = try Self.execute("INSERT INTO cdc_items SELECT i, 'n' || i, i / 10.0 FROM generate_series(\(batch * 10), \(batch * 10 + 9)) i", configuration)
        }
        await #expect(throws: (any Error).self) { try await run(failAt: 137) }
        let confirmedAfterFailure = try Self.execute("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cdc_items_slot'", configuration)
        try await run(failAt: nil)
        #expect(try Self.execute("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM cdc_items_copy", configuration)
                == [["300", "300", "0", "299"]])
        // The failed run confirmed no more than what its committed checkpoints hold.
        let copiedBeforeFailure = confirmedAfterFailure.first?.first.flatMap { $0.flatMap(PostgresLSN.init) } ?? .zero
        #expect(copiedBeforeFailure > .zero)
        // A later run confirms the finished run's final position at its start.
        try await run(failAt: nil)
        let confirmed = try Self.execute("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cdc_items_slot'", configuration)
        #expect((confirmed.first?.first.flatMap { $0.flatMap(PostgresLSN.init) } ?? .zero) > copiedBeforeFailure)
        #expect(try Self.execute("SELECT count(*) FROM cdc_items_copy", configuration) == [["300"]])
    }

    @Test func aHeartbeatMovesTheSlotWhileTheCapturedTablesAreQuiet() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_quiet", slot: "cdc_quiet_slot", configuration)
        _ = try Self.execute("DROP TABLE IF EXISTS cdc_noise; CREATE TABLE cdc_noise (id int)", configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        func slotConfirmed() throws -> PostgresLSN {
            try Self.execute("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cdc_quiet_slot'", configuration)
                .first?.first.flatMap { $0.flatMap(PostgresLSN.init) } ?? .zero
        }
        /// Streams (never ending on its own) until the slot passes `target` or `seconds` pass.
        func stream(heartbeat: Duration?, until target: PostgresLSN, seconds: Double) async throws -> PostgresLSN {
            let seen = Accumulator(0)
            let run = Task {
                try await Pipeline("cdc-quiet") {
                    Source.postgresChanges(configuration, tables: ["cdc_quiet"], slot: "cdc_quiet_slot", heartbeat: heartbeat)
                    Sink.reduce(into: seen) { (count: inout Int, _: Change<Record>) in count += 1 }
                }.run(checkpoints: .every(.milliseconds(20), in: state.path))
            }
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline, try slotConfirmed() < target { try await Task.sleep(for: .milliseconds(50)) }
            run.cancel()
            _ = await run.result
            #expect(seen.value == 0)
            return try slotConfirmed()
        }
        // The first run creates the slot; then the server writes WAL for tables not captured.
        _ = try await stream(heartbeat: nil, until: PostgresLSN(1), seconds: 10)
        _ = try Self.execute("INSERT INTO cdc_noise SELECT generate_series(1, 5000)", configuration)
        let written = try Self.execute("SELECT pg_current_wal_lsn()", configuration).first?.first.flatMap { $0.flatMap { PostgresLSN($0) } } ?? PostgresLSN(.max)
        // Without a heartbeat nothing captured changes, so nothing moves the slot past the noise.
        #expect(try await stream(heartbeat: nil, until: written, seconds: 1.5) < written)
        // With one, the position follows the heartbeats, and the slot follows committed checkpoints.
        let moved = try await stream(heartbeat: .milliseconds(100), until: written, seconds: 15)
        #expect(moved >= written, "the slot holds WAL from before \(written)")
    }

    @Test func aSlotInUseAndAServerWithoutLogicalWALAreNamedInTheError() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_busy_orders", slot: "cdc_busy_orders_slot", configuration)
        let holder = try PostgresReplicationSession(configuration)
        defer { holder.close() }
        _ = try Self.execute("CREATE PUBLICATION cdc_busy_orders_slot_publication FOR TABLE cdc_busy_orders", configuration)
        let created = try holder.createSlot("cdc_busy_orders_slot", exportSnapshot: false)
        try holder.startReplication(slot: created.name, at: created.consistentPoint, publications: ["cdc_busy_orders_slot_publication"])
        let busy = Pipeline("cdc-busy") {
            Source.postgresChanges(configuration, tables: ["cdc_busy_orders"], slot: "cdc_busy_orders_slot", until: .currentLogEnd)
            Sink.reduce(into: Accumulator(0)) { (count: inout Int, _: Change<Record>) in count += 1 }
        }
        do {
            _ = try await busy.run()
            Issue.record("a slot in use cannot be streamed twice")
        } catch {
            #expect("\(error)".contains("cdc_busy_orders_slot") && "\(error)".contains("in use by another process"), "\(error)")
            #expect(!"\(error)".contains(configuration.password ?? "no password"))
        }
        try holder.stopReplication()
        try holder.dropSlot("cdc_busy_orders_slot")

        guard let server = try PostgresServer.dedicated(settings: ["wal_level": "replica"]) else { return }
        defer { server.stop() }
        _ = try Self.execute("CREATE TABLE t (id int PRIMARY KEY)", server.configuration)
        do {
            _ = try await Pipeline("cdc-replica") {
                Source.postgresChanges(server.configuration, tables: ["t"], slot: "t_slot", until: .currentLogEnd)
                Sink.reduce(into: Accumulator(0)) { (count: inout Int, _: Change<Record>) in count += 1 }
            }.run()
            Issue.record("capturing needs wal_level = logical")
        } catch {
            #expect("\(error)".contains("wal_level = logical"), "\(error)")
        }
    }
}

import Foundation
import Sluice
import SluiceTesting
import Synchronization
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
        // A server of its own: on a shared one, other tests' transactions move the slot too.
        guard let server = try PostgresServer.dedicated() else { return }
        defer { server.stop() }
        let configuration = server.configuration
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
                    Source.postgresChanges(configuration, tables: ["cdc_quiet"], slot: "cdc_quiet_slot", snapshot: .never, heartbeat: heartbeat)
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
        // The slot exists before the server writes WAL for tables not captured.
        _ = try Self.execute("CREATE PUBLICATION cdc_quiet_slot_publication FOR TABLE cdc_quiet", configuration)
        _ = try Self.execute("SELECT pg_create_logical_replication_slot('cdc_quiet_slot', 'pgoutput')", configuration)
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

    @Test func aTableThatChangesShapeIsReportedRecordsFollowItAndATypeThatNoLongerFitsIsADeadLetterNamingTheColumn() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_shape", slot: "cdc_shape_slot", configuration)
        let warnings = Mutex<[String]>([])
        var options = RunOptions()
        options.warning = { message in warnings.withLock { $0.append(message) } }
        func capture() async throws -> [Change<Record>] {
            let collected = Accumulator<[Change<Record>]>([])
            _ = try await Pipeline("cdc-shape") {
                Source.postgresChanges(configuration, tables: ["cdc_shape"], slot: "cdc_shape_slot", snapshot: .never, until: .currentLogEnd)
                Sink.reduce(into: collected) { (all: inout [Change<Record>], change: Change<Record>) in all.append(change) }
            }.run(options: options)
            return collected.value
        }
        _ = try await capture()   // creates the slot
        _ = try Self.execute("""
            INSERT INTO cdc_shape VALUES (1, 'Ada', 1.50);
            ALTER TABLE cdc_shape ADD COLUMN note text; INSERT INTO cdc_shape VALUES (2, 'Grace', 2.50, 'new');
            ALTER TABLE cdc_shape DROP COLUMN amount; INSERT INTO cdc_shape VALUES (3, 'Edsger', 'dropped');
            ALTER TABLE cdc_shape ALTER COLUMN name TYPE int USING length(name); INSERT INTO cdc_shape VALUES (4, 42, 'retyped');
            """, configuration)
        let changes = try await capture()
        #expect(changes.map { $0.after?.fields.map(\.name) ?? [] } == [["id", "name", "amount"], ["id", "name", "amount", "note"],
                                                                       ["id", "name", "note"], ["id", "name", "note"]])
        #expect(changes[3].after?["name"] == .int(42))
        let reported = warnings.withLock { $0 }.joined(separator: "\n")
        #expect(reported.contains("public.cdc_shape changed shape") && reported.contains("added note (text)"), "\(reported)")
        #expect(reported.contains("dropped amount") && reported.contains("retyped name from text to integer"), "\(reported)")

        struct Named: Decodable, Sendable { var id: Int; var name: String }
        let typed = Accumulator<[Int]>([])
        let report = try await Pipeline("cdc-shape-typed") {
            Source.postgresChanges(configuration, tables: ["cdc_shape"], slot: "cdc_shape_slot", as: Named.self, snapshot: .never,
                                   until: .currentLogEnd).onError(.deadLetter)
            Sink.reduce(into: typed) { (all: inout [Int], change: Change<Named>) in all.append(change.after?.id ?? -1) }
        }.run(options: options)
        #expect(typed.value == [1, 2, 3])
        #expect(report.deadLetters.count == 1)
        #expect(report.deadLetters.first.map { "\($0.error)".contains("'name'") } == true, "\(report.deadLetters)")
    }

    @Test func aLargeTransactionIsDeliveredInPartsAndARestartInsideItDeliversTheRestOnce() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_large", slot: "cdc_large_slot", configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let output = state.path + "/ids.jsonl"
        struct Line: Codable, Sendable { var id: Int }
        struct Crash: Error {}
        let seen = Atomic(0)
        func run(crashAt: Int?) async throws -> RunReport {
            try await Pipeline("cdc-large") {
                Source.postgresChanges(configuration, tables: ["cdc_large"], slot: "cdc_large_slot", snapshot: .never, until: .currentLogEnd)
                Map { (change: Change<Record>) throws -> Line in
                    if seen.add(1, ordering: .relaxed).newValue == crashAt { throw Crash() }
                    guard case .int(let id)? = change.after?["id"] else { throw RecordError("no id") }
                    return Line(id: Int(id))
                }
                Sink.jsonLines(output, of: Line.self)
            }.run(options: RunOptions(chunkSize: 256), checkpoints: .every(.milliseconds(10), in: state.path + "/state"))
        }
        _ = try await run(crashAt: nil)   // creates the slot
        _ = try Self.execute("DROP TABLE IF EXISTS cdc_noise_large; CREATE TABLE cdc_noise_large (id int); INSERT INTO cdc_noise_large SELECT generate_series(1, 20000)", configuration)
        _ = try Self.execute("INSERT INTO cdc_large SELECT i, 'n' || i, i FROM generate_series(1, 60000) i", configuration)
        seen.store(0, ordering: .relaxed)
        await #expect(throws: (any Error).self) { try await run(crashAt: 40_000) }
        // Checkpoints landed inside the transaction: part of it is published, not all, not none.
        let published = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count
        #expect(published > 0 && published < 40_000, "\(published) rows of the transaction published before the crash")
        let report = try await run(crashAt: nil)
        let ids = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)).id }
        #expect(ids.count == 60_000 && Set(ids).count == 60_000)
        // The slot held the captured and the other table's WAL: its lag was measured.
        #expect((report[stage: "postgres changes"]?.gauges["slot lag (bytes)"] ?? 0) > 0, "\(report)")
    }
}

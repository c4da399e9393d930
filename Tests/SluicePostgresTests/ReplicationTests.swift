import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluicePostgres

/// The logical replication client on a real server: slots, the `pgoutput` stream decoded
/// (inserts, updates with unchanged TOAST values, deletes, truncates, messages), confirmed
/// positions, and the errors a user meets.
@Suite struct ReplicationTests {
    static func execute(_ sql: String, _ configuration: PostgresConfiguration) throws -> [[String?]] {
        try PostgresSinkTests.rows(sql, configuration)
    }

    /// Drops `slot` when it exists, and makes `table` (of `columns`) and a publication of it afresh.
    static func prepare(slot: String, table: String, columns: String, publication: String, _ configuration: PostgresConfiguration) throws {
        _ = try execute("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '\(slot)';
            DROP TABLE IF EXISTS \(table); DROP PUBLICATION IF EXISTS \(publication);
            CREATE TABLE \(table) (\(columns)); CREATE PUBLICATION \(publication) FOR TABLE \(table);
            """, configuration)
    }

    @Test func logPositionsReadAndPrintAsPostgreSQLWritesThem() {
        #expect(PostgresLSN("16/B374D848")?.value == 0x16_B374_D848)
        #expect(PostgresLSN("16/B374D848")?.description == "16/B374D848")
        #expect(PostgresLSN("0/0") == .zero)
        #expect(PostgresLSN("FFFFFFFF/FFFFFFFF")?.value == .max)
        for bad in ["", "16", "16/", "/1", "1/2/3", "G/0", "123456789/0", "-1/0"] { #expect(PostgresLSN(bad) == nil, "\(bad)") }
        #expect(PostgresLSN("0/10")! < PostgresLSN("1/0")!)
    }

    @Test func aMessageCutShortOrOfAnUnknownKindIsAProtocolErrorNeverACrash() throws {
        func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        func int16(_ value: Int16) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        // An insert into relation 16384 of (1, NULL, unchanged, b'\x01').
        let insert: [UInt8] = [UInt8(ascii: "I")] + int32(16384) + [UInt8(ascii: "N")] + int16(4)
            + [UInt8(ascii: "t")] + int32(1) + Array("1".utf8) + [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "b")] + int32(1) + [1]
        #expect(try PgOutputMessage.decode(insert) == .insert(relation: 16384, transactionID: nil,
                                                               new: PgOutputTuple(values: [.text([49]), .null, .unchangedToast, .binary([1])])))
        for length in 0..<insert.count {
            #expect(throws: PostgresProtocolError.self) { try PgOutputMessage.decode(Array(insert.prefix(length))) }
        }
        #expect(throws: PostgresProtocolError.self) { try PgOutputMessage.decode(insert + [0]) }
        #expect(throws: PostgresProtocolError.self) { try PgOutputMessage.decode([UInt8(ascii: "Z"), 0, 0]) }
        var negative = insert
        negative.replaceSubrange(9..<13, with: int32(-5))   // the first value's length: -5
        #expect(throws: PostgresProtocolError.self) { try PgOutputMessage.decode(negative) }
    }

    /// Reads the stream until `commits` transactions have committed; every event in order.
    static func read(_ session: PostgresReplicationSession, commits: Int) throws -> [PgOutputMessage] {
        var messages: [PgOutputMessage] = []
        var committed = 0
        let deadline = Date().addingTimeInterval(30)
        while committed < commits, Date() < deadline {
            guard let event = try session.next(waitingAtMost: 0.5) else { continue }
            if case .change(let message, _, _, _) = event {
                messages.append(message)
                if case .commit = message { committed += 1 }
            }
        }
        return messages
    }

    @Test func theStreamCarriesEveryKindOfChangeAndAnUnchangedLargeValueIsMarkedSo() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let slot = "replication_kinds"
        try Self.prepare(slot: slot, table: "cdc_kinds", columns: "id int PRIMARY KEY, name text, note text, amount numeric(10, 2)",
                         publication: "cdc_kinds_pub", configuration)
        let session = try PostgresReplicationSession(configuration)
        defer { session.close() }
        let identity = try session.identifySystem()
        #expect(identity.timeline >= 1)
        let created = try session.createSlot(slot, exportSnapshot: false)
        #expect(created.snapshotName == nil)
        #expect(created.consistentPoint >= identity.position)
        // A value too large to stay in the row, and too random to compress below the limit.
        // One transaction each (a query string of several statements would be one).
        for statement in ["""
            INSERT INTO cdc_kinds VALUES (1, 'Zürich 日本', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 4000) i), 12.50),
                                         (2, NULL, 'short', NULL)
            """, "UPDATE cdc_kinds SET name = 'renamed' WHERE id = 1", "DELETE FROM cdc_kinds WHERE id = 2",
            "SELECT pg_logical_emit_message(true, 'sluice', 'heartbeat')", "TRUNCATE cdc_kinds"] {
            _ = try Self.execute(statement, configuration)
        }
        try session.startReplication(slot: slot, at: created.consistentPoint, publications: ["cdc_kinds_pub"])
        let messages = try Self.read(session, commits: 5)
        let relation = try #require(messages.compactMap { if case .relation(let r) = $0 { return r } else { return nil } }.first)
        #expect(relation.qualifiedName == "public.cdc_kinds")
        #expect(relation.columns.map(\.name) == ["id", "name", "note", "amount"])
        #expect(relation.columns.map(\.isKey) == [true, false, false, false])
        #expect(relation.columns.map(\.typeID) == [23, 25, 25, 1700])
        let changes = messages.filter {
            switch $0 { case .insert, .update, .delete, .truncate, .message: return true; default: return false }
        }
        #expect(changes.count == 6, "\(changes)")
        guard changes.count == 6 else { return }
        guard case .insert(let table, _, let first) = changes[0] else { Issue.record("\(changes[0])"); return }
        #expect(table == relation.id)
        #expect(first.values[0] == .text(Array("1".utf8)))
        #expect(first.values[1] == .text(Array("Zürich 日本".utf8)))
        guard case .text(let large) = first.values[2] else { Issue.record("the large value was not sent on insert"); return }
        #expect(large.count == 128_000)
        #expect(first.values[3] == .text(Array("12.50".utf8)))
        guard case .insert(_, _, let second) = changes[1] else { Issue.record("\(changes[1])"); return }
        #expect(second.values[1] == .null && second.values[3] == .null)
        guard case .update(_, _, let old, _, let new) = changes[2] else { Issue.record("\(changes[2])"); return }
        #expect(old == nil)   // default replica identity, key unchanged: no old row
        #expect(new.values[1] == .text(Array("renamed".utf8)))
        #expect(new.values[2] == .unchangedToast, "an unchanged large value is marked, never NULL")
        // Rows decode by column name; the unchanged value is left out and named, never NULL.
        struct Kind: Decodable, Equatable { var id: Int; var name: String?; var note: String; var amount: Decimal? }
        let inserted = try PgOutputRow(first, of: relation)
        #expect(try inserted.row.decode(Kind.self) == Kind(id: 1, name: "Zürich 日本", note: String(decoding: large, as: UTF8.self), amount: Decimal(string: "12.5")))
        #expect(inserted.unchangedColumns.isEmpty)
        let updated = try PgOutputRow(new, of: relation)
        #expect(updated.unchangedColumns == ["note"])
        #expect(try updated.row.record().fields.map(\.name) == ["id", "name", "amount"])
        #expect(throws: (any Error).self) { try updated.row.decode(Kind.self) }   // note is not there to decode
        #expect(throws: PostgresProtocolError.self) { try PgOutputRow(PgOutputTuple(values: [.null]), of: relation) }
        guard case .delete(_, _, let deleted, let isKey) = changes[3] else { Issue.record("\(changes[3])"); return }
        #expect(isKey && deleted.values[0] == .text(Array("2".utf8)) && deleted.values[1] == .null)
        guard case .message(_, let transactional, _, let prefix, let content) = changes[4] else { Issue.record("\(changes[4])"); return }
        #expect(transactional && prefix == "sluice" && content == Array("heartbeat".utf8))
        guard case .truncate(let tables, _, _, _) = changes[5] else { Issue.record("\(changes[5])"); return }
        #expect(tables == [relation.id])
        // Each transaction is whole: begin, its changes, commit, and commits go forward.
        var open = false
        var lastCommit = PostgresLSN.zero
        for message in messages {
            switch message {
            case .begin: #expect(!open); open = true
            case .commit(let lsn, let end, _):
                #expect(open && lsn > lastCommit && end >= lsn)
                open = false
                lastCommit = lsn
            case .insert, .update, .delete, .truncate: #expect(open)
            default: break
            }
        }
        try session.stopReplication()
        try session.dropSlot(slot)
    }

    @Test func aConfirmedPositionMovesTheSlotAndItKeepsOnlyWhatComesAfter() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let slot = "replication_confirm"
        try Self.prepare(slot: slot, table: "cdc_confirm", columns: "id int PRIMARY KEY", publication: "cdc_confirm_pub", configuration)
        let session = try PostgresReplicationSession(configuration)
        let created = try session.createSlot(slot, exportSnapshot: false)
        _ = try Self.execute("INSERT INTO cdc_confirm VALUES (1)", configuration)
        _ = try Self.execute("INSERT INTO cdc_confirm VALUES (2)", configuration)
        try session.startReplication(slot: slot, at: created.consistentPoint, publications: ["cdc_confirm_pub"])
        let messages = try Self.read(session, commits: 2)
        let commits = messages.compactMap { if case .commit(_, let end, _) = $0 { return end } else { return nil } }
        #expect(commits.count == 2)
        guard commits.count == 2 else { return }
        // Only the first transaction is confirmed: the second must come again.
        try session.sendStatus(flushed: commits[0], replyRequested: true)
        var confirmed: String?
        for _ in 0..<50 {
            _ = try session.next(waitingAtMost: 0.1)
            confirmed = try Self.execute("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '\(slot)'", configuration).first?.first ?? nil
            if confirmed == commits[0].description { break }
        }
        #expect(confirmed == commits[0].description)
        // A clean end: the server has handled everything sent before it.
        try session.stopReplication()
        session.close()
        // What the slot still holds starts after the confirmed transaction: only the insert of 2.
        let held = try Self.execute("""
            SELECT get_byte(data, 0), lsn FROM pg_logical_slot_peek_binary_changes('\(slot)', NULL, NULL,
                'proto_version', '1', 'publication_names', 'cdc_confirm_pub')
            """, configuration)
        let kinds = held.compactMap { $0[0].flatMap { Int($0) }.map { Character(Unicode.Scalar(UInt8($0))) } }
        #expect(kinds.filter { $0 == "I" }.count == 1 && kinds.first == "B" && kinds.last == "C", "\(held)")
        let heldFrom = held.compactMap { $0[1].flatMap(PostgresLSN.init) }.min()
        #expect(heldFrom.map { $0 >= commits[0] } ?? false, "held from \(heldFrom?.description ?? "?"), confirmed \(commits[0])")
        _ = try Self.execute("SELECT pg_drop_replication_slot('\(slot)')", configuration)
    }

    @Test func aSlotInUseAndAMissingSlotAreClearErrors() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let slot = "replication_busy"
        try Self.prepare(slot: slot, table: "cdc_busy", columns: "id int PRIMARY KEY", publication: "cdc_busy_pub", configuration)
        let first = try PostgresReplicationSession(configuration)
        defer { first.close() }
        let created = try first.createSlot(slot, exportSnapshot: false)
        try first.startReplication(slot: slot, at: created.consistentPoint, publications: ["cdc_busy_pub"])
        let second = try PostgresReplicationSession(configuration)
        defer { second.close() }
        #expect(throws: PostgresError.self) { try second.startReplication(slot: slot, at: .zero, publications: ["cdc_busy_pub"]) }
        do {
            try second.startReplication(slot: slot, at: .zero, publications: ["cdc_busy_pub"])
        } catch let error as PostgresError {
            #expect(error.sqlState == "55006" && error.message.contains("active"), "\(error)")
        }
        #expect(throws: PostgresError.self) { try second.startReplication(slot: "no_such_slot", at: .zero, publications: ["cdc_busy_pub"]) }
        try first.stopReplication()
        try first.dropSlot(slot)
    }

    @Test func aServerWithoutLogicalWALSaysWhichSettingIsMissing() throws {
        guard let server = try PostgresServer.dedicated(settings: ["wal_level": "replica"]) else { return }
        defer { server.stop() }
        let session = try PostgresReplicationSession(server.configuration)
        defer { session.close() }
        do {
            _ = try session.createSlot("never", exportSnapshot: false)
            Issue.record("a logical slot needs wal_level=logical")
        } catch let error as PostgresError {
            #expect(error.message.contains("wal_level"), "\(error)")
        }
    }

    @Test func aPublicationOfAllTablesDoesNotStopTheSinkStaging() async throws {
        // Under FOR ALL TABLES, a table without a replica identity cannot delete rows; the
        // sink's staging table has no key, so it declares its whole row the identity.
        guard let server = try PostgresServer.dedicated() else { return }
        defer { server.stop() }
        _ = try Self.execute("CREATE PUBLICATION everything FOR ALL TABLES", server.configuration)
        try await PostgresSinkTests().loadExactlyOnce(table: "published_load", count: 3_000, failures: [1_500], configuration: server.configuration)
    }
}

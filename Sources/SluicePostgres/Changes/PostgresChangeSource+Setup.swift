import SluiceNetwork
import Foundation
import SluiceConnectors
import SluiceCore

/// What the source sets up on the server — publication, slot, the stream's start — and its
/// errors in the words of that setup.
extension PostgresChangeSource.Reader {
    static func preparePublication(_ stage: PostgresChangeSource, on sql: PostgresConnection) throws {
        let tables = stage.tables.map { name in name.split(separator: ".").map { PostgresTable.quoted(String($0)) }.joined(separator: ".") }
        let publications = try sql.simpleQuery("SELECT 1 FROM pg_publication WHERE pubname = \(PostgresMerge.literal(stage.publication))")
        if publications.last?.rows.isEmpty ?? true {
            _ = try sql.simpleQuery("CREATE PUBLICATION \(PostgresTable.quoted(stage.publication)) FOR TABLE \(tables.joined(separator: ", "))")
        }
    }

    static func slotExists(_ stage: PostgresChangeSource, on sql: PostgresConnection) throws -> Bool {
        let slots = try sql.simpleQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = \(PostgresMerge.literal(stage.slot))")
        return !(slots.last?.rows.isEmpty ?? true)
    }

    /// A restored position whose slot is gone: the changes since it are lost to this slot.
    static func slotLost(_ stage: PostgresChangeSource, processed: PostgresLSN) -> RecordError {
        RecordError("the replication slot '\(stage.slot)' on \(stage.configuration) is gone, but the checkpoint continues from it (at \(processed)): the changes since are no longer kept. Drop the checkpoints to start again from a snapshot")
    }

    /// Creates what is missing (publication, slot) and starts the stream where the
    /// position (or the slot) is.
    mutating func open() async throws {
        do {
            try await start()
        } catch let error as PostgresError {
            throw RecordError(Self.explain(error, stage: stage))
        }
    }

    /// The server's error in the words of what the user set up, keeping its own.
    static func explain(_ error: PostgresError, stage: PostgresChangeSource) -> String {
        let slot = "the replication slot '\(stage.slot)' on \(stage.configuration)"
        switch error.sqlState {
        case "55006":
            return "\(slot) is in use by another process (another run or consumer of the same slot): \(error)"
        case "42501":
            return "the role \(stage.configuration.user) may not capture changes on \(stage.configuration): it needs the REPLICATION attribute (ALTER ROLE \(stage.configuration.user) REPLICATION) and the right to create publications: \(error)"
        case "42704" where error.message.contains("slot"):
            return "\(slot) does not exist: \(error)"
        default:
            if error.message.contains("wal_level") {
                return "capturing changes needs the server setting wal_level = logical (then a restart) on \(stage.configuration): \(error)"
            }
            if error.message.contains("has already been removed") || error.message.contains("can no longer") {
                return "\(slot) needs WAL the server no longer has; drop the slot and start again from a snapshot: \(error)"
            }
            return "capturing changes through \(slot) failed: \(error)"
        }
    }

    mutating func start() async throws {
        let stage = self.stage
        let processed = current.processed
        let (session, end, slotConfirmed) = try await BlockingCall.run { () -> BlockingCall.Handed<(PostgresReplicationSession, PostgresLSN?, PostgresLSN)> in
            let sql = try PostgresConnection(stage.configuration)
            defer { sql.close() }
            try Self.preparePublication(stage, on: sql)
            let session = try PostgresReplicationSession(stage.configuration)
            do {
                if try !Self.slotExists(stage, on: sql) {
                    guard processed == .zero else { throw Self.slotLost(stage, processed: processed) }
                    _ = try session.createSlot(stage.slot, exportSnapshot: false)
                }
                var end: PostgresLSN?
                if case .currentLogEnd = stage.end {
                    // Commits made with synchronous_commit off may not be flushed yet, and the
                    // server decodes only flushed WAL: a synchronous commit of a logical message
                    // flushes everything before it, and the flushed position is the end.
                    end = try sql.simpleQuery("""
                        SET synchronous_commit = on; BEGIN; SELECT pg_logical_emit_message(true, 'sluice-end', ''); COMMIT;
                        SELECT pg_current_wal_flush_lsn()
                        """).last?.rows.first?.first.flatMap { $0.flatMap(PostgresLSN.init) }
                }
                // Confirmations only ever move the slot forward from where it is.
                let slotConfirmed = try sql.simpleQuery("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = \(PostgresMerge.literal(stage.slot))")
                    .last?.rows.first?.first.flatMap { $0.flatMap(PostgresLSN.init) } ?? .zero
                try session.startReplication(slot: stage.slot, at: processed, publications: [stage.publication])
                return BlockingCall.Handed(value: (session, end, slotConfirmed))
            } catch {
                session.close()
                throw error
            }
        }.value
        self.session = session
        endsAt = end
        confirmed = slotConfirmed
    }

    /// Under `REPLICA IDENTITY FULL` every column is the identity; a change's key is then
    /// the table's primary key, looked up once per table (none: every column).
    mutating func lookUpPrimaryKeys(of events: [PostgresReplicationSession.Event]) async throws {
        var tables: [UInt32] = []
        for case .change(.relation(let relation), _, _, _) in events where relation.replicaIdentity == .full && primaryKeys[relation.id] == nil {
            tables.append(relation.id)
        }
        guard !tables.isEmpty else { return }
        let configuration = stage.configuration
        let found = try await BlockingCall.run { () -> [UInt32: [String]] in
            let connection = try PostgresConnection(configuration)
            defer { connection.close() }
            var keys: [UInt32: [String]] = [:]
            for table in tables {
                keys[table] = try connection.simpleQuery("""
                    SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = \(table) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)
                    """).last?.rows.compactMap { $0.first ?? nil } ?? []
            }
            return keys
        }
        primaryKeys.merge(found) { _, new in new }
    }
}

import Foundation
import SluiceConnectors
import SluiceCore

/// Streams the committed changes of PostgreSQL tables from a logical replication slot
/// (`pgoutput`), in commit order, each transaction's changes together.
///
/// **Exactly once.** The position is the end of the last transaction processed, and how many
/// changes of the transaction in progress were emitted. A resumed run skips what its
/// restored position covers — also when a crashed server sends confirmed transactions again.
/// The slot's confirmed position moves only to positions of checkpoints that are durable and
/// committed (``StageContext/committedPositions``), never further, so a crash at any moment
/// loses nothing; the final checkpoint's position is confirmed when the next run starts.
/// Without checkpoints the slot's position does not move, and each run reads again from it.
///
/// It creates the publication (`FOR TABLE …`) and the slot when they are missing, and reuses
/// them otherwise. With ``PostgresChangeSnapshot/initial`` it first reads the tables: in the
/// snapshot the slot's creation exports when it creates the slot, so the stream continues
/// exactly where the snapshot ends; in a new snapshot, with ``PostgresSnapshotFilter``s, when
/// it resumes a snapshot a restart interrupted or finds the slot already there. The snapshot
/// is read in key order and its position is the last key delivered, so a restart continues
/// the table instead of starting it over.
public struct PostgresChangeSource<Row: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let configuration: PostgresConfiguration
    let tables: [String]
    let slot: String
    let publication: String
    let end: PostgresChangeEnd
    let heartbeat: Duration?
    let snapshot: PostgresChangeSnapshot

    init(configuration: PostgresConfiguration, tables: [String], slot: String, publication: String, end: PostgresChangeEnd,
         heartbeat: Duration?, snapshot: PostgresChangeSnapshot) {
        self.configuration = configuration
        self.tables = tables
        self.slot = slot
        self.publication = publication
        self.end = end
        self.heartbeat = heartbeat
        self.snapshot = snapshot
    }

    /// `postgres changes`.
    public var defaultName: String { "postgres changes" }
    /// The server, the slot and the tables (never the password).
    public var detail: String { "\(configuration) slot \(slot) tables \(tables.joined(separator: ", "))" }
    /// One reader: a slot streams to one session.
    public var maximumParallelism: Int? { 1 }

    /// Checks the settings; the session opens on the first read.
    public func makeReader(_ context: StageContext) throws -> Reader {
        guard !tables.isEmpty else { throw RecordError("capturing changes needs at least one table") }
        if let heartbeat, heartbeat <= .zero { throw RecordError("the heartbeat interval must be positive, not \(heartbeat)") }
        guard !slot.isEmpty, slot.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }) else {
            throw RecordError("the slot name '\(slot)' must be lower-case letters, digits and underscores")
        }
        return Reader(stage: self, context: context)
    }

    /// Where the stream is.
    public struct Position: Codable, Sendable, Equatable {
        /// The end of the last transaction whose changes were all emitted.
        public var processed: PostgresLSN = .zero
        /// The transaction in progress (its commit LSN) and how many of its changes were emitted.
        public var open: OpenTransaction?
        /// The snapshot still to read; `nil` once it is read, or when none is.
        public var snapshot: SnapshotProgress?
        /// What snapshots read after restarts hold, which the stream must not deliver again.
        public var filters: [PostgresSnapshotFilter] = []

        /// Where the snapshot is.
        public struct SnapshotProgress: Codable, Sendable, Equatable {
            /// The table being read, by its place in the source's tables.
            public var table: Int
            /// The key (as text) of its last row delivered; `nil` before its first.
            public var after: [String]?
        }

        /// A transaction whose changes were partly emitted.
        public struct OpenTransaction: Codable, Sendable, Equatable {
            /// Its commit record's position.
            public var commitLSN: PostgresLSN
            /// Changes of it emitted.
            public var emitted: Int
        }
    }

    /// The running form of ``PostgresChangeSource``.
    public struct Reader: CheckpointableSourceReader {
        let stage: PostgresChangeSource
        let context: StageContext
        var session: PostgresReplicationSession?
        var current = Position()
        /// The restored position's transaction in progress: how many of its changes to skip.
        var skipping: Position.OpenTransaction?
        /// The slot's confirmed position as this reader last set it.
        var confirmed: PostgresLSN = .zero
        /// Where the stream ends (``PostgresChangeEnd/currentLogEnd``), once known.
        var endsAt: PostgresLSN?
        var relations: [UInt32: PgOutputRelation] = [:]
        /// The primary keys of tables whose replica identity is FULL, by table OID.
        var primaryKeys: [UInt32: [String]] = [:]
        /// The transaction being read: its begin, and whether its changes are skipped.
        var transaction: (commitLSN: PostgresLSN, time: Date, id: UInt32, skippedWhole: Bool)?
        var emittedInTransaction = 0
        var finished = false
        /// The session that writes heartbeats and measures the slot's lag, and when it last did.
        var sideSession: PostgresConnection?
        var lastHeartbeat: ContinuousClock.Instant?
        var lastLagMeasure: ContinuousClock.Instant?
        /// The snapshot being read, and the position its rows report as their commit LSN.
        var tableSnapshot: PostgresTableSnapshot?
        var snapshotLSN: PostgresLSN = .zero
        var snapshotRows = 0

        init(stage: PostgresChangeSource, context: StageContext) {
            self.stage = stage
            self.context = context
            if stage.snapshot != .never { current.snapshot = Position.SnapshotProgress(table: 0, after: nil) }
        }

        public func position() throws -> Position { current }

        public mutating func restore(to position: Position) throws {
            current = position
            skipping = position.open
        }

        public mutating func read(into output: inout Emitter<Change<Row>>, limit: Int) async throws -> Bool {
            guard !finished else { return false }
            await measureLagIfDue()
            if current.snapshot != nil {
                try await readSnapshot(into: &output, limit: limit)
                if current.snapshot == nil, stage.snapshot == .initialOnly { finished = true }
                return !finished
            }
            if session == nil {
                // A heartbeat before the end is taken: a run that catches up reads past it.
                try await beatIfDue()
                try await open()
            }
            try await confirmCommitted()
            try await beatIfDue()
            let handed = BlockingCall.Handed(value: session!)
            let events = try await BlockingCall.run { try Self.pull(handed.value, limit: limit) }
            try await lookUpPrimaryKeys(of: events)
            for event in events {
                switch event {
                case .keepalive(let end, _, let replyRequested):
                    // Only what is committed downstream is confirmed, never the server's end.
                    if replyRequested { try session!.sendStatus(flushed: confirmed) }
                    // The server has decoded past the end: every transaction before it was sent.
                    if let endsAt, end >= endsAt, transaction == nil { finished = true }
                case .change(let message, _, _, _):
                    try handle(message, into: &output)
                }
            }
            if events.isEmpty, endsAt != nil {
                // Quiet: ask the server where it is (it answers with a keepalive).
                try session!.sendStatus(flushed: confirmed, replyRequested: true)
            }
            return !finished
        }

        /// Up to `limit` events, waiting briefly for the first and not at all after it.
        static func pull(_ session: PostgresReplicationSession, limit: Int) throws -> [PostgresReplicationSession.Event] {
            var events: [PostgresReplicationSession.Event] = []
            var wait = 0.25
            while events.count < max(1, limit), let event = try session.next(waitingAtMost: wait) {
                events.append(event)
                wait = 0
            }
            return events
        }

        mutating func handle(_ message: PgOutputMessage, into output: inout Emitter<Change<Row>>) throws {
            switch message {
            case .relation(let relation):
                if let previous = relations[relation.id], previous.columns != relation.columns {
                    context.warning(Self.shapeChange(from: previous, to: relation, at: transaction?.commitLSN))
                }
                relations[relation.id] = relation
            case .begin(let commitLSN, let time, let id):
                // A transaction the restored position covers (a crashed server may send it again).
                transaction = (commitLSN, time, id, commitLSN < current.processed)
                emittedInTransaction = 0
            case .commit(_, let end, _):
                if let transaction, !transaction.skippedWhole {
                    current.processed = end
                    current.open = nil
                    current.filters.removeAll { $0.until <= end }
                }
                transaction = nil
                skipping = nil
            case .insert(let id, _, let new):
                try emit(.insert, relation: id, new: new, old: nil, oldIsKey: false, into: &output)
            case .update(let id, _, let old, let oldIsKey, let new):
                try emit(.update, relation: id, new: new, old: old, oldIsKey: oldIsKey, into: &output)
            case .delete(let id, _, let old, let oldIsKey):
                try emit(.delete, relation: id, new: nil, old: old, oldIsKey: oldIsKey, into: &output)
            case .truncate(let ids, _, _, _):
                for id in ids { try emit(.truncate, relation: id, new: nil, old: nil, oldIsKey: false, into: &output) }
            case .message(_, let transactional, let lsn, _, _) where !transactional && transaction == nil:
                // A heartbeat (or another message outside transactions): every transaction
                // committed before it was sent, so the position may move to it — and with it
                // the slot, releasing WAL while the captured tables are quiet.
                if lsn > current.processed, current.open == nil {
                    current.processed = lsn
                    current.filters.removeAll { $0.until <= lsn }
                }
            case .origin, .type, .message, .streamStart, .streamStop, .streamCommit, .streamAbort:
                break
            }
        }

        mutating func emit(_ operation: Change<Row>.Operation, relation id: UInt32, new: PgOutputTuple?, old: PgOutputTuple?,
                           oldIsKey: Bool, into output: inout Emitter<Change<Row>>) throws {
            guard let transaction else { throw PostgresProtocolError("the server sent a change outside a transaction") }
            guard !transaction.skippedWhole else { return }
            emittedInTransaction += 1
            if let skipping, skipping.commitLSN == transaction.commitLSN, emittedInTransaction <= skipping.emitted { return }
            current.open = Position.OpenTransaction(commitLSN: transaction.commitLSN, emitted: emittedInTransaction)
            guard let relation = relations[id] else {
                throw PostgresProtocolError("the server sent a change of relation \(id) before describing it")
            }
            var operation = operation, new = new
            switch try snapshotHolds(operation, of: relation, new: new, old: old, transactionID: transaction.id,
                                     commitLSN: transaction.commitLSN) {
            case .no: break
            case .yes: return
            case .exceptOldKey:
                operation = .delete
                new = nil
            }
            var change = Change<Row>(operation: operation, table: relation.qualifiedName, after: nil, before: nil, key: Record(),
                                     unchangedColumns: [], commitLSN: transaction.commitLSN, commitTime: transaction.time,
                                     transactionID: transaction.id, sequence: emittedInTransaction)
            do {
                if let new {
                    let row = try PgOutputRow(new, of: relation)
                    change.after = try row.row.decode(Row.self)
                    change.unchangedColumns = row.unchangedColumns
                    change.key = try key(of: row.row, relation: relation)
                }
                if let old {
                    let row = try PgOutputRow(old, of: relation)
                    change.before = try row.row.record()
                    if new == nil { change.key = try key(of: row.row, relation: relation) }
                }
            } catch let error as PostgresProtocolError {
                throw error
            } catch {
                try output.reject(RecordError("a change of \(relation.qualifiedName) at \(transaction.commitLSN) does not fit \(Row.self): \(error)"),
                                  rawInput: "\(operation.rawValue) \(relation.qualifiedName) \(new.map { "\($0.values.count) values" } ?? "")",
                                  location: SourceLocation(origin: stage.detail))
                return
            }
            output.emit(change)
        }

        /// Whether a snapshot read after a restart already holds a change (see
        /// ``PostgresSnapshotFilter``): then it is not delivered again — except that an update
        /// moving a row's key into the part read leaves the delete of its old key.
        enum SnapshotHolds { case no, yes, exceptOldKey }

        func snapshotHolds(_ operation: Change<Row>.Operation, of relation: PgOutputRelation, new: PgOutputTuple?, old: PgOutputTuple?,
                           transactionID: UInt32, commitLSN: PostgresLSN) throws -> SnapshotHolds {
            guard !current.filters.isEmpty else { return .no }
            let filters = current.filters.filter { $0.table == relation.qualifiedName && $0.sees(transaction: transactionID, committedAt: commitLSN) }
            guard !filters.isEmpty else { return .no }
            func covered(_ tuple: PgOutputTuple) -> Bool {
                guard let row = try? PgOutputRow(tuple, of: relation) else { return false }
                return filters.contains { filter in filter.key.values(of: row.row).map(filter.covers) ?? false }
            }
            switch operation {
            case .insert:
                return new.map(covered) == true ? .yes : .no
            case .update:
                guard let new, covered(new) else { return .no }
                guard let old else { return .yes }
                return covered(old) ? .yes : .exceptOldKey
            case .delete:
                return old.map(covered) == true ? .yes : .no
            case .truncate:
                // Emptying a table whose first part was delivered before the restart cannot be
                // told apart from the rows read after it.
                if filters.allSatisfy({ $0.after == nil }) { return .yes }
                throw RecordError("\(relation.qualifiedName) was truncated at \(commitLSN), while its snapshot was interrupted by a restart: the rows delivered before the restart and after the truncate cannot be told apart. Drop the slot '\(stage.slot)' and the checkpoints, and start again")
            }
        }

        /// Reads the next rows of the snapshot, opening it first.
        mutating func readSnapshot(into output: inout Emitter<Change<Row>>, limit: Int) async throws {
            if tableSnapshot == nil {
                do {
                    try await openSnapshot()
                } catch let error as PostgresError {
                    throw RecordError(Self.explain(error, stage: stage))
                }
            }
            let handed = BlockingCall.Handed(value: tableSnapshot!)
            let batch = try await BlockingCall.run { () -> BlockingCall.Handed<(table: PostgresTableSnapshot.Table, rows: [PostgresRow])?> in
                BlockingCall.Handed(value: try handed.value.next(limit: limit))
            }.value
            guard let (table, rows) = batch else {
                let snapshot = handed
                _ = try? await BlockingCall.run { snapshot.value.close() }
                tableSnapshot = nil
                current.snapshot = nil
                return
            }
            for row in rows {
                snapshotRows += 1
                var change = Change<Row>(operation: .insert, table: table.name, commitLSN: snapshotLSN, commitTime: handed.value.time,
                                         transactionID: 0, sequence: snapshotRows, isSnapshotRead: true)
                do {
                    change.after = try row.decode(Row.self)
                    let record = try row.record()
                    let keyNames = Set(table.key.columns.map(\.name))
                    change.key = Record(record.fields.filter { keyNames.contains($0.name) }.map { ($0.name, $0.value) })
                } catch {
                    try output.reject(RecordError("a snapshot row of \(table.name) does not fit \(Row.self): \(error)"), rawInput: row.rawText,
                                      location: SourceLocation(origin: stage.detail))
                    continue
                }
                output.emit(change)
            }
            current.snapshot = Position.SnapshotProgress(table: handed.value.table, after: handed.value.after)
        }

        /// Opens the snapshot: the one the slot's creation exports when the slot is missing,
        /// otherwise a new one whose filters keep the stream from delivering its rows again.
        mutating func openSnapshot() async throws {
            let stage = self.stage
            let progress = current.snapshot ?? Position.SnapshotProgress(table: 0, after: nil)
            let processed = current.processed
            let opened = try await BlockingCall.run { () -> BlockingCall.Handed<(PostgresTableSnapshot, PostgresLSN?, [PostgresSnapshotFilter])> in
                if stage.snapshot == .initialOnly {
                    let snapshot = try PostgresTableSnapshot(stage.configuration, tables: stage.tables, exported: nil, table: progress.table, after: progress.after)
                    return BlockingCall.Handed(value: (snapshot, nil, []))
                }
                let sql = try PostgresConnection(stage.configuration)
                defer { sql.close() }
                try Self.preparePublication(stage, on: sql)
                if try !Self.slotExists(stage, on: sql) {
                    guard processed == .zero, progress.table == 0, progress.after == nil else { throw Self.slotLost(stage, processed: processed) }
                    let session = try PostgresReplicationSession(stage.configuration)
                    defer { session.close() }
                    let created = try session.createSlot(stage.slot, exportSnapshot: true)
                    guard let name = created.snapshotName else { throw PostgresProtocolError("the server created the slot without exporting its snapshot") }
                    // Imported before the creating session runs anything else, which would end it.
                    let snapshot = try PostgresTableSnapshot(stage.configuration, tables: stage.tables, exported: name, table: 0, after: nil)
                    return BlockingCall.Handed(value: (snapshot, created.consistentPoint, []))
                }
                let snapshot = try PostgresTableSnapshot(stage.configuration, tables: stage.tables, exported: nil, table: progress.table, after: progress.after)
                do {
                    let seen = try snapshot.visibility()
                    let filters = snapshot.tables.indices.dropFirst(progress.table).map { index in
                        PostgresSnapshotFilter(table: snapshot.tables[index].name, key: snapshot.tables[index].key,
                                               after: index == progress.table ? progress.after : nil, xmin: seen.xmin, xmax: seen.xmax,
                                               inProgress: seen.inProgress, until: seen.until)
                    }
                    return BlockingCall.Handed(value: (snapshot, seen.until, filters))
                } catch {
                    snapshot.close()
                    throw error
                }
            }.value
            tableSnapshot = opened.0
            if let consistentPoint = opened.1, opened.2.isEmpty, stage.snapshot != .initialOnly {
                // The exported snapshot ends exactly where the slot's stream begins.
                current.processed = max(current.processed, consistentPoint)
            }
            snapshotLSN = opened.1 ?? .zero
            current.filters += opened.2
        }

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

        /// A table's change of shape in words: `public.orders changed shape (in the transaction
        /// committed at 0/16B3F10): added note (text); dropped fax; retyped amount from int4 to
        /// numeric. Its changes follow the new shape.`
        static func shapeChange(from old: PgOutputRelation, to new: PgOutputRelation, at lsn: PostgresLSN?) -> String {
            let oldColumns = Dictionary(old.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let newNames = Set(new.columns.map(\.name))
            var parts: [String] = []
            let added = new.columns.filter { oldColumns[$0.name] == nil }.map { "\($0.name) (\(PostgresType(oid: $0.typeID)))" }
            if !added.isEmpty { parts.append("added " + added.joined(separator: ", ")) }
            let dropped = old.columns.filter { !newNames.contains($0.name) }.map(\.name)
            if !dropped.isEmpty { parts.append("dropped " + dropped.joined(separator: ", ")) }
            let retyped = new.columns.compactMap { column -> String? in
                guard let before = oldColumns[column.name], before.typeID != column.typeID || before.typeModifier != column.typeModifier else { return nil }
                return "\(column.name) from \(PostgresType(oid: before.typeID)) to \(PostgresType(oid: column.typeID))"
            }
            if !retyped.isEmpty { parts.append("retyped " + retyped.joined(separator: ", ")) }
            let keys = { (relation: PgOutputRelation) in relation.columns.filter(\.isKey).map(\.name) }
            if keys(old) != keys(new) { parts.append("key now " + keys(new).joined(separator: ", ")) }
            if parts.isEmpty { parts.append("columns reordered") }
            let when = lsn.map { " (in the transaction committed at \($0))" } ?? ""
            return "\(new.qualifiedName) changed shape\(when): \(parts.joined(separator: "; ")). Its changes follow the new shape."
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

        /// The key columns' values of `row`: the replica identity's, or under `FULL` the
        /// primary key's.
        func key(of row: PostgresRow, relation: PgOutputRelation) throws -> Record {
            var keyNames = Set(relation.columns.filter(\.isKey).map(\.name))
            if relation.replicaIdentity == .full, let primary = primaryKeys[relation.id], !primary.isEmpty { keyNames = Set(primary) }
            return Record(try row.record().fields.filter { keyNames.contains($0.name) }.map { ($0.name, $0.value) })
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

        /// Writes a heartbeat (`pg_logical_emit_message`, outside any transaction) when the
        /// interval has passed: it moves the position, and so the slot, even when no captured
        /// table changes, so the server can recycle WAL.
        mutating func beatIfDue() async throws {
            guard let interval = stage.heartbeat else { return }
            let now = ContinuousClock.now
            if let lastHeartbeat, now - lastHeartbeat < interval { return }
            lastHeartbeat = now
            let configuration = stage.configuration
            let existing = sideSession.map { BlockingCall.Handed(value: $0) }
            sideSession = try await BlockingCall.run { () -> BlockingCall.Handed<PostgresConnection> in
                let connection = try existing?.value ?? PostgresConnection(configuration)
                _ = try connection.simpleQuery("SELECT pg_logical_emit_message(false, 'sluice-heartbeat', '')")
                return BlockingCall.Handed(value: connection)
            }.value
        }

        /// Reports the slot's lag — the WAL the server keeps for it, from its confirmed position
        /// to the log's end — as the gauge `slot lag (bytes)`, once a second. A failed
        /// measure drops the side session and reports nothing: the stream's own session
        /// reports a lost server.
        mutating func measureLagIfDue() async {
            guard stage.snapshot != .initialOnly else { return }
            let now = ContinuousClock.now
            if let lastLagMeasure, now - lastLagMeasure < .seconds(1) { return }
            lastLagMeasure = now
            let configuration = stage.configuration, slot = stage.slot
            let existing = sideSession.map { BlockingCall.Handed(value: $0) }
            do {
                let (session, lag) = try await BlockingCall.run { () -> BlockingCall.Handed<(PostgresConnection, Int?)> in
                    let connection = try existing?.value ?? PostgresConnection(configuration)
                    let lag = try connection.simpleQuery("SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::int8 FROM pg_replication_slots WHERE slot_name = " + PostgresMerge.literal(slot))
                        .last?.rows.first?.first.flatMap { $0.flatMap { Int($0) } }
                    return BlockingCall.Handed(value: (connection, lag))
                }.value
                sideSession = session
                if let lag { context.gauge("slot lag (bytes)", lag) }
            } catch {
                sideSession?.close()
                sideSession = nil
            }
        }

        /// Confirms the newest committed checkpoint's position to the slot.
        mutating func confirmCommitted() async throws {
            guard let committed = try context.committedPositions?.position(of: context.stageName, instance: context.instance, as: Position.self),
                  committed.processed > confirmed else { return }
            try await confirm(committed.processed)
        }

        mutating func confirm(_ position: PostgresLSN) async throws {
            guard let session else { return }
            let handed = BlockingCall.Handed(value: session)
            try await BlockingCall.run { try handed.value.sendStatus(flushed: position) }
            confirmed = position
        }

        public mutating func close() async {
            sideSession?.close()
            sideSession = nil
            if let tableSnapshot {
                let handed = BlockingCall.Handed(value: tableSnapshot)
                _ = try? await BlockingCall.run { handed.value.close() }
                self.tableSnapshot = nil
            }
            guard let session else { return }
            let handed = BlockingCall.Handed(value: session)
            _ = try? await BlockingCall.run {
                try handed.value.stopReplication()
                handed.value.close()
            }
            self.session = nil
        }
    }
}

/// When a change stream ends.
public enum PostgresChangeEnd: Sendable, Equatable {
    /// Never: the source streams until the run is stopped.
    case never
    /// Once every transaction committed before the run started is processed: a micro-batch
    /// that catches up and stops.
    case currentLogEnd
}

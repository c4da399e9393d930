import SluiceNetwork
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

        /// The key columns' values of `row`: the replica identity's, or under `FULL` the
        /// primary key's.
        func key(of row: PostgresRow, relation: PgOutputRelation) throws -> Record {
            var keyNames = Set(relation.columns.filter(\.isKey).map(\.name))
            if relation.replicaIdentity == .full, let primary = primaryKeys[relation.id], !primary.isEmpty { keyNames = Set(primary) }
            return Record(try row.record().fields.filter { keyNames.contains($0.name) }.map { ($0.name, $0.value) })
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

import SluiceNetwork
import Foundation
import SluiceConnectors
import SluiceCore

/// Reading the snapshot before the stream, and keeping the stream from delivering again what a
/// snapshot read after a restart holds (see ``PostgresSnapshotFilter``).
extension PostgresChangeSource.Reader {
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
}

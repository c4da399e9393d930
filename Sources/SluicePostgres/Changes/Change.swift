import Foundation
import SluiceCore

/// One change to a row of a captured table, as logical replication reports it: what
/// happened, the row after and (where the table's replica identity gives it) before, and
/// the transaction it belongs to. `Row` is the caller's `Decodable` type or `Record`.
public struct Change<Row: Sendable>: Sendable {
    /// What happened to the row.
    public enum Operation: String, Sendable, Codable, Equatable {
        /// A row was inserted.
        case insert
        /// A row was updated.
        case update
        /// A row was deleted.
        case delete
        /// The table was emptied (`TRUNCATE`): no row is given.
        case truncate
    }

    /// What happened.
    public var operation: Operation
    /// The table, `schema.name`.
    public var table: String
    /// The row after an insert or update.
    public var after: Row?
    /// The row before an update or delete: the whole row under `REPLICA IDENTITY FULL`,
    /// otherwise only the key columns (as a `Record`, since a key rarely decodes as `Row`).
    public var before: Record?
    /// The key columns' values (the replica identity), from the row after or before.
    public var key: Record
    /// Columns whose large (TOASTed) values did not change and were not sent: they are not in
    /// `after`, and are not NULL. A sink applying the change must leave them as they are.
    public var unchangedColumns: [String]
    /// Where the transaction's commit record begins in the log.
    public var commitLSN: PostgresLSN
    /// When the transaction committed: the change's event time.
    public var commitTime: Date
    /// The transaction's id; 0 for a snapshot read.
    public var transactionID: UInt32
    /// Whether the row was read from the initial snapshot (then `operation` is `.insert`,
    /// `commitLSN` is where the stream continues from, and `commitTime` is when the snapshot
    /// was taken) rather than streamed.
    public var isSnapshotRead: Bool

    /// A change; sources make them, tests of stages that consume them make them by hand.
    public init(operation: Operation, table: String, after: Row? = nil, before: Record? = nil, key: Record = Record(),
                unchangedColumns: [String] = [], commitLSN: PostgresLSN, commitTime: Date, transactionID: UInt32,
                isSnapshotRead: Bool = false) {
        self.operation = operation
        self.table = table
        self.after = after
        self.before = before
        self.key = key
        self.unchangedColumns = unchangedColumns
        self.commitLSN = commitLSN
        self.commitTime = commitTime
        self.transactionID = transactionID
        self.isSnapshotRead = isSnapshotRead
    }
}

extension Change: Equatable where Row: Equatable {}

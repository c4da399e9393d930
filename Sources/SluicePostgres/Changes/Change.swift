import Foundation
import SluiceConnectors
import SluiceCore

/// What happened to a row (``Change/operation``).
public enum ChangeOperation: String, Sendable, Codable, Equatable {
    /// A row was inserted.
    case insert
    /// A row was updated.
    case update
    /// A row was deleted.
    case delete
    /// The table was emptied (`TRUNCATE`): no row is given.
    case truncate
}

/// One change to a row of a captured table, as logical replication reports it: what
/// happened, the row after and (where the table's replica identity gives it) before, and
/// the transaction it belongs to. `Row` is the caller's `Decodable` type or `Record`.
public struct Change<Row: Sendable>: Sendable {
    /// What happened to the row.
    public typealias Operation = ChangeOperation

    /// What happened.
    public var operation: Operation
    /// The table, `schema.name`.
    public var table: String
    /// The row after an insert or update.
    public var after: Row?
    /// The row before an update or delete: the whole row under `REPLICA IDENTITY FULL`,
    /// otherwise only the key columns (as a `Record`, since a key rarely decodes as `Row`).
    public var before: Record?
    /// The key columns' values, from the row after (the new key, when an update moved the row)
    /// or before: the replica identity's columns, or the primary key's under `REPLICA IDENTITY FULL`.
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
    /// The change's place in its transaction, from 1 (for a snapshot read, in the rows of the
    /// snapshot this run read): with `commitLSN`, what tells it from every other change.
    public var sequence: Int
    /// Whether the row was read from the initial snapshot (then `operation` is `.insert`,
    /// `commitLSN` is where the stream continues from, and `commitTime` is when the snapshot
    /// was taken) rather than streamed.
    public var isSnapshotRead: Bool

    /// A change; sources make them, tests of stages that consume them make them by hand.
    public init(operation: Operation, table: String, after: Row? = nil, before: Record? = nil, key: Record = Record(),
                unchangedColumns: [String] = [], commitLSN: PostgresLSN, commitTime: Date, transactionID: UInt32,
                sequence: Int = 0, isSnapshotRead: Bool = false) {
        self.sequence = sequence
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

extension Change: Codable where Row: Codable {}

extension Change {
    /// The same change with its row transformed (`after`; `before` and `key` stay records):
    /// for example a `Change<Record>` decoded into a type, `change.map { try $0.decode(as: Customer.self) }`.
    public func map<T: Sendable>(_ transform: (Row) throws -> T) rethrows -> Change<T> {
        Change<T>(operation: operation, table: table, after: try after.map(transform), before: before, key: key,
                  unchangedColumns: unchangedColumns, commitLSN: commitLSN, commitTime: commitTime, transactionID: transactionID,
                  sequence: sequence, isSnapshotRead: isSnapshotRead)
    }

    /// The commit time as an event time, for windows over the change stream.
    public var commitTimestamp: Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((commitTime.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

extension LandedPayload {
    /// A change to land as it came, with its lineage: `origin` names the database and table
    /// (give one without a password, such as the configuration's description), the offset is
    /// `<commit LSN>/<sequence>`, and the payload the change as JSON — operation, table, rows,
    /// key, unchanged columns, commit LSN and time, transaction.
    public init<Row: Codable & Sendable>(change: Change<Row>, origin: String, ingestedAt: Date = Date()) throws {
        let payload = try JSONRecordEncoder().encode(change)
        self.init(origin: origin + " " + change.table, offset: "\(change.commitLSN)/\(change.sequence)",
                  ingestedAt: Int64((ingestedAt.timeIntervalSince1970 * 1000).rounded(.down)), payload: payload)
    }
}

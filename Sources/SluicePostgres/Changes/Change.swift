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
    /// The transaction's id.
    public var transactionID: UInt32
}

extension Change: Equatable where Row: Equatable {}

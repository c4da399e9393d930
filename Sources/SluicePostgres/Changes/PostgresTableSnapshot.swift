import Foundation
import SluiceCore

/// Reads the captured tables as one consistent snapshot, table by table in key order, a batch
/// at a time, on its own session: a `REPEATABLE READ` transaction that either imports the
/// snapshot a slot's creation exported or takes a new one. It resumes after a table and key.
final class PostgresTableSnapshot {
    /// A captured table and the key it is read in order of.
    struct Table: Sendable {
        /// `schema.name`, as the change stream names it.
        var name: String
        /// The quoted name for SQL.
        var quoted: String
        var key: PostgresSnapshotKey
    }

    let connection: PostgresConnection
    let tables: [Table]
    /// The table being read, and the key of the last row delivered of it.
    private(set) var table: Int
    private(set) var after: [String]?
    private var reading = false
    /// When the snapshot was taken: the event time of its rows.
    let time: Date

    /// Opens the transaction: imports `exported` (a snapshot name) or takes a new snapshot.
    /// Throws when a table is missing or has no key to read it in order of.
    init(_ configuration: PostgresConfiguration, tables names: [String], exported: String?, table: Int, after: [String]?) throws {
        let connection = try PostgresConnection(configuration)
        do {
            var begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            if let exported { begin += "; SET TRANSACTION SNAPSHOT \(PostgresMerge.literal(exported))" }
            _ = try connection.simpleQuery(begin)
            tables = try names.map { try Self.describe($0, on: connection) }
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        self.table = table
        self.after = after
        time = Date()
    }

    /// The snapshot's visibility and the log position after it, for the stream's filters.
    func visibility() throws -> (xmin: UInt64, xmax: UInt64, inProgress: [UInt64], until: PostgresLSN) {
        let row = try connection.simpleQuery("SELECT pg_current_snapshot()::text, pg_current_wal_insert_lsn()::text").last?.rows.first
        guard let snapshotText = row?.first ?? nil, let snapshot = PostgresSnapshotFilter.parseSnapshot(snapshotText),
              let lsnText = row?.last ?? nil, let until = PostgresLSN(lsnText) else {
            throw PostgresProtocolError("the server's snapshot and log position could not be read")
        }
        return (snapshot.xmin, snapshot.xmax, snapshot.inProgress, until)
    }

    /// The next rows, up to `limit`, with their table; `nil` once every table is read.
    func next(limit: Int) throws -> (table: Table, rows: [PostgresRow])? {
        while table < tables.count {
            let current = tables[table]
            if !reading {
                var sql = "SELECT * FROM \(current.quoted)"
                if let after { sql += " WHERE " + current.key.rows(after: after) }
                sql += " ORDER BY " + current.key.orderBy
                try connection.startQuery(sql, fetchSize: max(1, limit))
                reading = true
            }
            if let rows = try connection.nextRows(), let last = rows.last {
                guard let key = current.key.values(of: last) else {
                    throw PostgresProtocolError("a row of \(current.name) has no value for a key column")
                }
                after = key
                return (current, rows)
            }
            reading = false
            table += 1
            after = nil
        }
        return nil
    }

    /// Ends the transaction and the session.
    func close() {
        if connection.hasOpenQuery { try? connection.endQuery() }
        _ = try? connection.simpleQuery("COMMIT")
        connection.close()
    }

    /// The table's name as the stream gives it, and its key: the replica identity index or the
    /// primary key.
    static func describe(_ name: String, on connection: PostgresConnection) throws -> Table {
        let quoted = name.split(separator: ".").map { PostgresTable.quoted(String($0)) }.joined(separator: ".")
        let relation = "\(PostgresMerge.literal(quoted))::regclass"
        let named = try connection.simpleQuery("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = \(relation)
            """).last?.rows.first
        guard let schema = named?.first ?? nil, let table = named?.last ?? nil else {
            throw PostgresProtocolError("the table \(name) could not be described")
        }
        let columns = try connection.simpleQuery("""
            SELECT a.attname, a.atttypid IN (20, 21, 23) FROM pg_attribute a
            JOIN (SELECT indexrelid, indrelid, indkey FROM pg_index WHERE indrelid = \(relation) AND (indisreplident OR indisprimary)
                  ORDER BY indisreplident DESC LIMIT 1) i ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            ORDER BY array_position(i.indkey::int2[], a.attnum)
            """).last?.rows ?? []
        guard !columns.isEmpty else {
            throw RecordError("the table \(schema).\(table) has no primary key or replica identity index, so its snapshot cannot be read in resumable chunks: give it a primary key, or capture it with snapshot: .never")
        }
        let key = PostgresSnapshotKey(columns: columns.map { PostgresSnapshotKey.Column(name: $0[0] ?? "", isInteger: $0[1] == "t") })
        return Table(name: schema + "." + table, quoted: PostgresTable.quoted(schema) + "." + PostgresTable.quoted(table), key: key)
    }
}

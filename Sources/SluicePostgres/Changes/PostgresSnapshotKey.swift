/// The columns a table's snapshot is read in order of — its replica identity index or primary
/// key — and that order, which the SQL query and the change stream's filter must agree on.
///
/// Integer columns are ordered as integers, so the query can walk the key's index. Every other
/// column is ordered by its text in the `C` collation (byte order), because that is an order
/// this process can reproduce exactly from a change's text values, whatever the database's
/// collation (see ``PostgresSnapshotFilter``).
public struct PostgresSnapshotKey: Codable, Sendable, Equatable {
    /// One key column.
    public struct Column: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// Whether it is `smallint`, `integer` or `bigint`, compared as a number.
        public var isInteger: Bool
    }

    /// The key's columns, in the index's order.
    public var columns: [Column]

    /// The key ordered by `columns`.
    public init(columns: [Column]) { self.columns = columns }

    /// The expression a column is ordered by in SQL.
    static func expression(_ column: Column) -> String {
        column.isInteger ? PostgresTable.quoted(column.name) : "(\(PostgresTable.quoted(column.name))::text COLLATE \"C\")"
    }

    /// `ORDER BY`'s list.
    var orderBy: String { columns.map(Self.expression).joined(separator: ", ") }

    /// The condition for rows after `values` (a previous row's key, as text).
    func rows(after values: [String]) -> String {
        let literals = zip(columns, values).map { column, value in
            column.isInteger ? "\(PostgresMerge.literal(value))::int8" : PostgresMerge.literal(value)
        }
        return "(\(columns.map(Self.expression).joined(separator: ", "))) > (\(literals.joined(separator: ", ")))"
    }

    /// Whether key `a` comes before key `b` in the query's order.
    func precedes(_ a: [String], _ b: [String]) -> Bool {
        // Bytes, not Swift's `==`, which calls canonically equivalent strings equal.
        for (column, (left, right)) in zip(columns, zip(a, b)) where !left.utf8.elementsEqual(right.utf8) {
            if column.isInteger, let l = Int64(left), let r = Int64(right) { return l < r }
            return left.utf8.lexicographicallyPrecedes(right.utf8)
        }
        return false
    }

    /// The key of `row` as text, `nil` when a key column is missing or NULL.
    func values(of row: PostgresRow) -> [String]? {
        var values: [String] = []
        for column in columns {
            guard let value = row[text: column.name] else { return nil }
            values.append(value)
        }
        return values
    }
}

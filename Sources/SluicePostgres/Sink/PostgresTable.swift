/// A table as the catalog describes it: its columns and types, and the unique and foreign-key
/// constraints a staged row is checked against before it is merged.
struct PostgresTable: Sendable {
    struct Column: Sendable {
        let name: String
        let type: PostgresType
        let sqlType: String
    }

    struct Constraint: Sendable {
        enum Kind: Sendable { case unique, foreignKey(table: String, columns: [String]) }
        let name: String
        let kind: Kind
        let columns: [String]
    }

    /// `schema.table`, quoted.
    let qualifiedName: String
    let schema: String
    let name: String
    let columns: [Column]
    let constraints: [Constraint]

    func column(_ name: String) -> Column? { columns.first { $0.name == name } }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Reads `name` (`table` or `schema.table`) from the catalog; `nil` when there is no such table.
    static func load(_ name: String, on connection: PostgresConnection) throws -> PostgresTable? {
        var found: (oid: String, schema: String, table: String)?
        try connection.query("""
            SELECT c.oid::text, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')
            """, parameters: [name]) { rows in
            if let row = rows.first { found = (row[text: 0] ?? "", row[text: 1] ?? "", row[text: 2] ?? "") }
        }
        guard let found else { return nil }
        var columns: [Column] = []
        try connection.query("""
            SELECT attname, atttypid::int8, format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, parameters: [found.oid]) { rows in
            for row in rows {
                columns.append(Column(name: row[text: 0] ?? "", type: PostgresType(oid: UInt32(row[text: 1] ?? "0") ?? 0),
                                      sqlType: row[text: 2] ?? ""))
            }
        }
        var constraints: [Constraint] = []
        try connection.query("""
            SELECT con.conname, con.contype::text,
                   ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
                   CASE WHEN con.contype = 'f' THEN con.confrelid::regclass::text END AS confrelid,
                   ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                         JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS referenced
            FROM pg_constraint con WHERE con.conrelid = $1::oid AND con.contype IN ('p', 'u', 'f') ORDER BY con.conname
            """, parameters: [found.oid]) { rows in
            for row in rows {
                let names = try row.decode(ConstraintRow.self)
                switch names.contype {
                case "f": constraints.append(Constraint(name: names.conname, kind: .foreignKey(table: names.confrelid ?? "", columns: names.referenced),
                                                        columns: names.columns))
                default: constraints.append(Constraint(name: names.conname, kind: .unique, columns: names.columns))
                }
            }
        }
        return PostgresTable(qualifiedName: quoted(found.schema) + "." + quoted(found.table), schema: found.schema, name: found.table,
                             columns: columns, constraints: constraints)
    }

    struct ConstraintRow: Decodable {
        let conname: String
        let contype: String
        let columns: [String]
        let confrelid: String?
        let referenced: [String]
    }
}

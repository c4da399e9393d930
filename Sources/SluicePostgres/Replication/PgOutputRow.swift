/// A changed row as a ``PostgresRow`` of its table, to decode by column name like a query's
/// rows: into a `Decodable` type or a `Record`.
public struct PgOutputRow: Sendable {
    /// The columns the server sent, with their values. A large value that did not change is
    /// not among them: it is not NULL, and decoding must not pretend it is.
    public let row: PostgresRow
    /// The columns whose large (TOASTed) values did not change and were not sent.
    public let unchangedColumns: [String]

    /// The row `tuple` of `relation`; throws ``PostgresProtocolError`` when the tuple does not
    /// have the relation's columns, or holds a binary value (the stream is asked for text).
    public init(_ tuple: PgOutputTuple, of relation: PgOutputRelation) throws {
        guard tuple.values.count == relation.columns.count else {
            throw PostgresProtocolError("a change of \(relation.qualifiedName) has \(tuple.values.count) values for its \(relation.columns.count) columns")
        }
        var names: [String] = [], types: [PostgresType] = [], values: [[UInt8]?] = [], unchanged: [String] = []
        for (column, value) in zip(relation.columns, tuple.values) {
            switch value {
            case .unchangedToast:
                unchanged.append(column.name)
                continue
            case .null: values.append(nil)
            case .text(let bytes): values.append(bytes)
            case .binary:
                throw PostgresProtocolError("a change of \(relation.qualifiedName) sent column '\(column.name)' in binary, which was not asked for")
            }
            names.append(column.name)
            types.append(PostgresType(oid: column.typeID))
        }
        row = PostgresRow(columns: PostgresColumns(names: names, types: types), values: values)
        unchangedColumns = unchanged
    }
}

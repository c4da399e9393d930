import SluiceCore

/// The columns of a result, shared by all its rows: names, types and a lookup by name.
public final class PostgresColumns: Sendable {
    /// The names, in order.
    public let names: [String]
    /// The types, in order.
    public let types: [PostgresType]
    /// The first column of each name.
    let indexByName: [String: Int]
    /// Names that more than one column has: decoding by such a name is ambiguous.
    let repeatedNames: Set<String>

    /// The columns of a row description.
    public convenience init(_ description: [BackendMessage.Column]) {
        self.init(names: description.map(\.name), types: description.map { PostgresType(oid: $0.typeOID) })
    }

    /// Columns with these names and types.
    public init(names: [String], types: [PostgresType]) {
        self.names = names
        self.types = types
        var index: [String: Int] = [:]
        var repeated: Set<String> = []
        for (position, name) in names.enumerated() {
            if index[name] == nil { index[name] = position } else { repeated.insert(name) }
        }
        indexByName = index
        repeatedNames = repeated
    }

    /// The position of the column named `name`.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// The number of columns.
    public var count: Int { names.count }
}

/// One row of a result: each column's value in PostgreSQL's text format (`nil` for NULL).
/// Decode it into a `Decodable` type by column name with ``decode(_:)``, or into a ``Record``
/// with ``record()``.
public struct PostgresRow: Sendable {
    /// The result's columns.
    public let columns: PostgresColumns
    /// The values as the server sent them, `nil` for NULL.
    public let values: [[UInt8]?]

    /// A row of `values` for `columns`.
    public init(columns: PostgresColumns, values: [[UInt8]?]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the column named `name` as text, `nil` for NULL or no such column.
    public subscript(text name: String) -> String? {
        guard let index = columns.index(of: name), let value = values[index] else { return nil }
        return String(decoding: value, as: UTF8.self)
    }

    /// The value at `index` as text, `nil` for NULL.
    public subscript(text index: Int) -> String? {
        values[index].map { String(decoding: $0, as: UTF8.self) }
    }

    /// The row as `type`, matching its properties to columns by name. A property whose type
    /// does not fit its column's throws a ``PostgresDecodingError`` naming the column, the SQL
    /// type and the Swift type; a NULL decodes only into an optional.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Record.self { return try record() as! T }
        return try T(from: PostgresRowDecoder(row: self))
    }

    /// The row as a ``Record``: one field per column, typed by the column's type (see
    /// `Documentation/Connectors/PostgreSQL.md` for the mapping).
    public func record() throws -> Record {
        var fields: [(String, Value)] = []
        fields.reserveCapacity(values.count)
        for index in values.indices {
            fields.append((columns.names[index], try PostgresValue(bytes: values[index], type: columns.types[index],
                                                                    column: columns.names[index]).value()))
        }
        return Record(fields)
    }

    /// The row in the server's words, for a dead letter: `id=1, name=Ada, note=NULL`.
    public var rawText: String {
        zip(columns.names, values).map { name, value in "\(name)=\(value.map { String(decoding: $0, as: UTF8.self) } ?? "NULL")" }
            .joined(separator: ", ")
    }
}

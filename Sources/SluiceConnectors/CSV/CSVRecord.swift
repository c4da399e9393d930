/// One CSV record without a schema: the column names and the values as text.
///
/// Encodes as a JSON object with the header's names as keys, in column order.
public struct CSVRecord: Sendable, Hashable, Encodable {
    /// Column names, shared by all records of a file.
    public let columns: [String]
    /// The values, one per column.
    public var values: [String]

    /// Creates a record.
    public init(columns: [String], values: [String]) {
        self.columns = columns
        self.values = values
    }

    /// The value in the column named `name`.
    public subscript(name: String) -> String? {
        guard let index = columns.firstIndex(of: name), index < values.count else { return nil }
        return values[index]
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Writes `{"column": "value", …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in zip(columns, values) {
            try container.encode(value, forKey: Key(stringValue: name))
        }
    }
}

import SluiceCore

/// The shape of schema-less records: each field's type and whether it may be missing or
/// null. Inferred from data, kept in a JSON file next to it, compared across runs.
public struct Schema: Codable, Sendable, Equatable, CustomStringConvertible {
    /// A field's type, from the narrowest to the widest: an integer field that also holds
    /// decimals is `decimal`, anything that also holds text is `text`.
    public enum FieldType: String, Codable, Sendable, Comparable {
        /// Only nulls seen so far.
        case null
        /// `true`/`false`.
        case boolean
        /// Whole numbers.
        case integer
        /// Numbers.
        case decimal
        /// Calendar dates.
        case date
        /// Text.
        case text
        /// Lists.
        case list
        /// Nested records.
        case record

        /// The type of one value.
        public init(of value: Value) {
            switch value {
            case .null: self = .null
            case .bool: self = .boolean
            case .int: self = .integer
            case .double, .decimal: self = .decimal
            case .date: self = .date
            case .string(let text): self = text.trimmingCharacters(in: .whitespaces).isEmpty ? .null : .text
            case .array: self = .list
            case .record: self = .record
            }
        }

        /// The narrowest type holding both.
        public func widened(with other: FieldType) -> FieldType {
            if self == other || other == .null { return self }
            if self == .null { return other }
            if Set([self, other]) == [.integer, .decimal] { return .decimal }
            return .text
        }

        public static func < (a: FieldType, b: FieldType) -> Bool { a.rank < b.rank }
        var rank: Int { [.null, .boolean, .integer, .decimal, .date, .text, .list, .record].firstIndex(of: self)! }
    }

    /// One field.
    public struct Field: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// Its type.
        public var type: FieldType
        /// Whether records may lack it or hold null.
        public var nullable: Bool
        /// A field.
        public init(name: String, type: FieldType, nullable: Bool) {
            self.name = name
            self.type = type
            self.nullable = nullable
        }
    }

    /// The fields, in the order first seen.
    public var fields: [Field]

    /// A schema with `fields`.
    public init(fields: [Field] = []) { self.fields = fields }

    /// The field named `name`.
    public subscript(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// Infers the schema of `records`: every field seen, its widest type, nullable when
    /// some record lacks it or holds null.
    public static func infer(_ records: [Record]) -> Schema {
        var schema = Schema()
        for (index, record) in records.enumerated() { _ = schema.absorb(record, isFirst: index == 0) }
        return schema
    }

    /// Widens the schema to hold `record`; returns what changed.
    @discardableResult
    public mutating func absorb(_ record: Record, isFirst: Bool = false) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        for (name, value) in record.fields {
            let type = FieldType(of: value)
            if let index = fields.firstIndex(where: { $0.name == name }) {
                let widened = fields[index].type.widened(with: type)
                if widened != fields[index].type {
                    if fields[index].type != .null { changes.append(.typeChanged(name, from: fields[index].type, to: widened)) }
                    fields[index].type = widened
                }
                if type == .null, !fields[index].nullable {
                    fields[index].nullable = true
                    changes.append(.becameNullable(name))
                }
            } else {
                fields.append(Field(name: name, type: type, nullable: !isFirst || type == .null))
                if !isFirst { changes.append(.added(name, type)) }
            }
        }
        for index in fields.indices where !fields[index].nullable && record[fields[index].name] == nil {
            fields[index].nullable = true
            changes.append(.becameNullable(fields[index].name))
        }
        return changes
    }

    /// What `record` would change in this schema, without changing it.
    public func changes(for record: Record) -> [SchemaChange] {
        var copy = self
        return copy.absorb(record)
    }

    /// `name: type[?]`, one per line.
    public var description: String {
        fields.map { "\($0.name): \($0.type.rawValue)\($0.nullable ? "?" : "")" }.joined(separator: "\n")
    }
}

/// One difference between a record and a schema.
public enum SchemaChange: Sendable, Equatable, CustomStringConvertible {
    /// A field the schema did not have.
    case added(String, Schema.FieldType)
    /// A field whose values no longer fit its type, widened.
    case typeChanged(String, from: Schema.FieldType, to: Schema.FieldType)
    /// A field that was always present now missing or null.
    case becameNullable(String)

    /// A sentence.
    public var description: String {
        switch self {
        case .added(let name, let type): return "new field '\(name)' (\(type.rawValue))"
        case .typeChanged(let name, let from, let to): return "field '\(name)' changed from \(from.rawValue) to \(to.rawValue)"
        case .becameNullable(let name): return "field '\(name)' is now sometimes missing or null"
        }
    }
}

import Foundation
import SluiceCore

/// Derives a table from a `Decodable` type, for ``PostgresSink``'s `createTable`: each stored
/// property becomes a column of the matching SQL type (see the type mapping), `NOT NULL`
/// unless it is optional. It runs the type's `init(from:)` against a decoder that records what
/// is asked for and answers with placeholder values.
enum PostgresTableDefinition {
    struct Column: Equatable {
        var name: String
        var type: String
        var nullable: Bool
    }

    /// The columns of `type`, in the order its decoder reads them.
    static func columns<T: Decodable>(of type: T.Type) throws -> [Column] {
        let probe = ProbeStorage()
        do {
            _ = try T(from: ProbeDecoder(storage: probe, path: []))
        } catch let error as CannotDerive {
            throw RecordError("cannot derive a table from \(T.self): \(error.reason); create the table yourself")
        } catch {
            throw RecordError("cannot derive a table from \(T.self): its init(from:) refused placeholder values (\(error)) after the columns \(probe.columns.map(\.name).joined(separator: ", ")); create the table yourself")
        }
        guard !probe.columns.isEmpty else { throw RecordError("cannot derive a table from \(T.self): it decodes no named properties") }
        return probe.columns
    }

    /// `CREATE TABLE IF NOT EXISTS …` for `type` in `mode`.
    static func statement<T: Decodable>(table: String, for type: T.Type, mode: PostgresSinkMode) throws -> String {
        var columns = try columns(of: type)
        if case .history = mode { columns.removeAll { $0.name == "valid_from" || $0.name == "valid_to" } }
        var lines = columns.map { "\(PostgresTable.quoted($0.name)) \($0.type)\($0.nullable ? "" : " NOT NULL")" }
        switch mode {
        case .append: break
        case .upsert(let key):
            lines.append("PRIMARY KEY (\(key.map(PostgresTable.quoted).joined(separator: ", ")))")
        case .history:
            lines.append("valid_from timestamptz NOT NULL")
            lines.append("valid_to timestamptz")
        }
        return "CREATE TABLE IF NOT EXISTS \(qualified(table)) (\n    " + lines.joined(separator: ",\n    ") + "\n)"
    }

    /// One current version per key, for history mode.
    static func currentVersionIndex(table: String, key: [String]) -> String {
        let name = (table.split(separator: ".").last.map(String.init) ?? table) + "_current"
        return "CREATE UNIQUE INDEX IF NOT EXISTS \(PostgresTable.quoted(name)) ON \(qualified(table)) (\(key.map(PostgresTable.quoted).joined(separator: ", "))) WHERE valid_to IS NULL"
    }

    /// `schema.table` with each part quoted.
    static func qualified(_ table: String) -> String { table.split(separator: ".").map { PostgresTable.quoted(String($0)) }.joined(separator: ".") }

    struct CannotDerive: Error { let reason: String }

    final class ProbeStorage {
        var columns: [Column] = []
        /// The SQL type the last single value asked for.
        var lastScalar: String?
        /// The key whose NULL was just asked about: an optional's `decodeIfPresent`.
        var askedForNull: String?
    }

    /// The SQL type of a Swift type that maps to one directly.
    static func sqlType(of type: Any.Type) -> String? {
        switch type {
        case is Bool.Type: return "boolean"
        case is String.Type: return "text"
        case is Int.Type, is Int64.Type, is UInt32.Type: return "bigint"
        case is Int32.Type, is UInt16.Type: return "integer"
        case is Int16.Type, is Int8.Type, is UInt8.Type: return "smallint"
        case is UInt.Type, is UInt64.Type: return "numeric(20)"
        case is Double.Type: return "double precision"
        case is Float.Type: return "real"
        case is Date.Type: return "timestamptz"
        case is Decimal.Type: return "numeric"
        case is UUID.Type: return "uuid"
        case is Data.Type: return "bytea"
        case is Duration.Type: return "time"
        case is Value.Type, is Record.Type: return "jsonb"
        default: return nil
        }
    }

    /// A placeholder of a type that maps directly.
    static func placeholder<T>(_ type: T.Type) -> T? {
        switch type {
        case is Bool.Type: return false as? T
        case is String.Type: return "" as? T
        case is Int.Type: return 0 as? T
        case is Int64.Type: return Int64(0) as? T
        case is Int32.Type: return Int32(0) as? T
        case is Int16.Type: return Int16(0) as? T
        case is Int8.Type: return Int8(0) as? T
        case is UInt.Type: return UInt(0) as? T
        case is UInt64.Type: return UInt64(0) as? T
        case is UInt32.Type: return UInt32(0) as? T
        case is UInt16.Type: return UInt16(0) as? T
        case is UInt8.Type: return UInt8(0) as? T
        case is Double.Type: return 0.0 as? T
        case is Float.Type: return Float(0) as? T
        case is Date.Type: return Date(timeIntervalSince1970: 0) as? T
        case is Decimal.Type: return Decimal(0) as? T
        case is UUID.Type: return UUID() as? T
        case is Data.Type: return Data() as? T
        case is Duration.Type: return Duration.zero as? T
        case is Value.Type: return Value.null as? T
        case is Record.Type: return Record() as? T
        default: return nil
        }
    }

    /// The SQL type a nested value takes: a mapped scalar, an array of one, or JSON.
    static func nestedType<T: Decodable>(_ type: T.Type) throws -> (type: String, value: T) {
        if let sql = sqlType(of: type), let value = placeholder(type) { return (sql, value) }
        if let list = type as? any DecodableList.Type {
            let element = try list.elementSQLType()
            let value = try T(from: NestedProbe(storage: ProbeStorage()))
            // Arrays of arrays or of documents are stored as JSON.
            return (element.hasSuffix("[]") || element == "jsonb" ? "jsonb" : element + "[]", value)
        }
        let storage = ProbeStorage()
        let decoder = NestedProbe(storage: storage)
        do {
            let value = try T(from: decoder)
            if decoder.shape.wrappedValue == .list, let element = storage.lastScalar { return (element + "[]", value) }
            if decoder.shape.wrappedValue == .keyed || decoder.shape.wrappedValue == .list { return ("jsonb", value) }
            if let scalar = storage.lastScalar { return (scalar, value) }
            throw CannotDerive(reason: "\(T.self) decodes nothing")
        } catch let error as CannotDerive {
            throw error
        } catch {
            // An enum with raw values refuses the placeholder, but says what it reads, and
            // its first case stands in.
            if let scalar = storage.lastScalar, let cases = type as? any CaseIterable.Type, let first = firstCase(of: cases) as? T {
                return (scalar, first)
            }
            throw CannotDerive(reason: "\(T.self) refused a placeholder value (\(error)); an enum can take part when it is CaseIterable")
        }
    }

    static func firstCase<C: CaseIterable>(of type: C.Type) -> Any? { type.allCases.first }

    struct ProbeDecoder: Decoder {
        let storage: ProbeStorage
        let path: [any CodingKey]
        var codingPath: [any CodingKey] { path }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(ProbeKeyed<Key>(storage: storage))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw CannotDerive(reason: "a table row needs named properties, not a list") }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { throw CannotDerive(reason: "a table row needs named properties, not a single value") }
    }

    struct ProbeKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let storage: ProbeStorage
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { true }

        func record(_ key: Key, _ type: String, nullable asked: Bool) {
            let nullable = asked || storage.askedForNull == key.stringValue
            storage.askedForNull = nil
            if let index = storage.columns.firstIndex(where: { $0.name == key.stringValue }) {
                storage.columns[index].nullable = storage.columns[index].nullable || nullable
            } else {
                storage.columns.append(Column(name: key.stringValue, type: type, nullable: nullable))
            }
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            storage.askedForNull = key.stringValue
            return false
        }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let (sql, value) = try nestedType(type)
            record(key, sql, nullable: false)
            return value
        }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            let (sql, value) = try nestedType(type)
            record(key, sql, nullable: true)
            return value
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw CannotDerive(reason: "the property '\(key.stringValue)' is decoded by hand as a nested container")
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw CannotDerive(reason: "the property '\(key.stringValue)' is decoded by hand as a nested list")
        }
        func superDecoder() throws -> any Decoder { throw CannotDerive(reason: "the type decodes a superclass") }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw CannotDerive(reason: "the type decodes a superclass") }
    }

    /// Decodes a nested value with placeholders, noting whether it is keyed, a list or a scalar.
    final class NestedProbe: Decoder, SingleValueDecodingContainer, UnkeyedDecodingContainer {
        enum Shape { case unknown, scalar, keyed, list }
        final class ShapeBox { var wrappedValue: Shape = .unknown }
        let storage: ProbeStorage
        let shape = ShapeBox()
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        var count: Int? { 0 }
        var isAtEnd: Bool { true }
        var currentIndex: Int { 0 }

        init(storage: ProbeStorage) { self.storage = storage }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            shape.wrappedValue = .keyed
            return KeyedDecodingContainer(ProbeKeyed<Key>(storage: ProbeStorage()))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            shape.wrappedValue = .list
            return self
        }
        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            if shape.wrappedValue == .unknown { shape.wrappedValue = .scalar }
            return self
        }

        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (sql, value) = try nestedType(type)
            storage.lastScalar = sql
            return value
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(ProbeKeyed<NestedKey>(storage: ProbeStorage()))
        }
        func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { self }
        func superDecoder() throws -> any Decoder { self }
    }
}

/// A list whose element type the table derivation can name without decoding an element.
protocol DecodableList {
    static func elementSQLType() throws -> String
}

extension Array: DecodableList where Element: Decodable {
    static func elementSQLType() throws -> String { try PostgresTableDefinition.nestedType(Element.self).type }
}

import Foundation
import SluiceCore

/// Decodes a ``PostgresRow`` into a `Decodable` type: properties match columns by name; a
/// result of one column also decodes into a single value (`SELECT count(*)` as `Int`).
struct PostgresRowDecoder: Decoder {
    let row: PostgresRow
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(PostgresRowContainer<Key>(row: row))
    }

    /// A one-column result of an array (or JSON) gives its elements; otherwise the columns in order.
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        if row.values.count == 1, row.columns.types[0].elementType != nil || row.columns.types[0].isJSON {
            return try PostgresValueDecoder(value: column(at: 0), codingPath: []).unkeyedContainer()
        }
        return PostgresElementsContainer(elements: row.values.indices.map { column(at: $0) }, codingPath: [])
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.values.count == 1 else {
            throw PostgresDecodingError(column: row.columns.names.joined(separator: ", "), sqlType: "", swiftType: "",
                                        reason: "a single value is asked for, but the result has \(row.values.count) columns")
        }
        return PostgresValueDecoder(value: column(at: 0), codingPath: [])
    }

    func column(at index: Int) -> PostgresValue {
        PostgresValue(bytes: row.values[index], type: row.columns.types[index], column: row.columns.names[index])
    }
}

/// The columns of a row by name.
struct PostgresRowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: PostgresRow
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] { row.columns.names.compactMap(Key.init(stringValue:)) }
    func contains(_ key: Key) -> Bool { row.columns.index(of: key.stringValue) != nil }

    func value(_ key: Key) throws -> PostgresValue {
        let name = key.stringValue
        guard let index = row.columns.index(of: name) else {
            throw PostgresDecodingError(column: name, sqlType: "", swiftType: "",
                                        reason: "the result has no such column (it has \(row.columns.names.joined(separator: ", ")))")
        }
        guard !row.columns.repeatedNames.contains(name) else {
            throw PostgresDecodingError(column: name, sqlType: "", swiftType: "",
                                        reason: "several columns have this name; rename them with AS")
        }
        return PostgresValue(bytes: row.values[index], type: row.columns.types[index], column: name)
    }

    func decoder(_ key: Key) throws -> PostgresValueDecoder { PostgresValueDecoder(value: try value(key), codingPath: [key]) }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try value(key).double()) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key).integer(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key).integer(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key).integer(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key).integer(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key).integer(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key).integer(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key).integer(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key).integer(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key).integer(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key).integer(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try decoder(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { PostgresRowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
}

/// One column's value (or one array element): a single value, the elements of an array, or a
/// JSON document's contents.
struct PostgresValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: PostgresValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard value.type.isJSON else { throw value.notFitting(Key.self) }
        return try value.json(Value.self).decoder(codingPath: codingPath).container(keyedBy: type)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        if value.type.isJSON { return try value.json(Value.self).decoder(codingPath: codingPath).unkeyedContainer() }
        return PostgresElementsContainer(elements: try value.elements([Any].self), codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try value.bool() }
    func decode(_ type: String.Type) throws -> String { try value.string() }
    func decode(_ type: Double.Type) throws -> Double { try value.double() }
    func decode(_ type: Float.Type) throws -> Float { Float(try value.double()) }
    func decode(_ type: Int.Type) throws -> Int { try value.integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try value.integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try value.integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try value.integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try value.integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try value.integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try value.integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try value.integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try value.integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try value.integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Date.self { return try value.date() as! T }
        if type == Decimal.self { return try value.decimal() as! T }
        if type == UUID.self { return try value.uuid() as! T }
        if type == Data.self { return Data(try value.byteArray(type)) as! T }
        if type == [UInt8].self, value.type == .bytea { return try value.byteArray(type) as! T }
        if type == Duration.self { return try value.timeOfDay() as! T }
        if type == Value.self { return try value.value() as! T }
        if type == Record.self {
            guard value.type.isJSON else { throw value.notFitting(type) }
            return try value.json(Record.self) as! T
        }
        // A JSON document decodes whole through the JSON decoder, nested types included.
        if value.type.isJSON {
            if value.isNull { _ = try value.present(type) }
            return try value.json(type)
        }
        return try T(from: self)
    }
}

/// The elements of an array column (or a row's columns in order).
struct PostgresElementsContainer: UnkeyedDecodingContainer {
    let elements: [PostgresValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [PostgresValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next() throws -> PostgresValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "no more elements"))
        }
        defer { currentIndex += 1 }
        return PostgresValueDecoder(value: elements[currentIndex], codingPath: codingPath)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

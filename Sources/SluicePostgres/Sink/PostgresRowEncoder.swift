import Foundation
import SluiceConnectors
import SluiceCore

/// Encodes an element into named fields for a table row: each property becomes a column
/// value; a nil optional becomes NULL (not a missing column, so that an upsert clears it);
/// a nested struct, dictionary or list becomes a JSON document. A ``Record`` encodes its
/// fields.
struct PostgresRowEncoder {
    /// The fields of `value`, in the order it encodes them.
    static func fields<T: Encodable>(of value: T) throws -> [(name: String, value: PostgresFieldValue)] {
        if let record = value as? Record {
            return try record.fields.map { ($0.name, try field(of: $0.value)) }
        }
        let storage = FieldStorage()
        do {
            try value.encode(to: RowEncoder(storage: storage))
        } catch is ScalarProbe.NotScalar {
            storage.isKeyed = false
        }
        guard storage.isKeyed else {
            throw RecordError("\(T.self) does not encode as named fields; a table row needs a struct or a Record")
        }
        return storage.fields
    }

    /// One value's column text.
    static func field<T: Encodable>(of value: T) throws -> PostgresFieldValue {
        switch value {
        case let date as Date: return .text(PostgresCopyText.timestamp(date))
        case let decimal as Decimal: return .text(ExactDecimal.text(decimal))
        case let uuid as UUID: return .text(uuid.uuidString.lowercased())
        case let data as Data: return .text(PostgresCopyText.bytes(data))
        case let duration as Duration: return .text(PostgresCopyText.duration(duration))
        case let double as Double: return .text(PostgresCopyText.double(double))
        case let float as Float: return .text(PostgresCopyText.double(Double(float)))
        case let value as Value: return try field(ofValue: value)
        default: break
        }
        let probe = ScalarProbe()
        do {
            try value.encode(to: probe)
            if let scalar = probe.result { return scalar }
        } catch is ScalarProbe.NotScalar {
        }
        return .json(try JSONRecordEncoder().encode(value))
    }

    static func field(ofValue value: Value) throws -> PostgresFieldValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .text(flag ? "t" : "f")
        case .int(let number): return .text(String(number))
        case .double(let number): return .text(PostgresCopyText.double(number))
        case .decimal(let number): return .text(ExactDecimal.text(number))
        case .string(let text): return .text(text)
        case .date(let date): return .text(CivilDate(date).description)
        case .array, .record: return .json(try JSONRecordEncoder().encode(value))
        }
    }
}

/// The fields one element encodes.
final class FieldStorage {
    var fields: [(name: String, value: PostgresFieldValue)] = []
    var isKeyed = false
}

struct RowEncoder: Encoder {
    let storage: FieldStorage
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        storage.isKeyed = true
        return KeyedEncodingContainer(RowFieldContainer<Key>(storage: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { NotScalarContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { NotScalarContainer() }
}

struct RowFieldContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: FieldStorage
    var codingPath: [any CodingKey] { [] }

    func put(_ key: Key, _ value: PostgresFieldValue) { storage.fields.append((key.stringValue, value)) }

    mutating func encodeNil(forKey key: Key) throws { put(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(key, .text(value ? "t" : "f")) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(key, .text(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(key, .text(PostgresCopyText.double(value))) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(key, .text(PostgresCopyText.double(Double(value)))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(key, .text(String(value))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { put(key, try PostgresRowEncoder.field(of: value)) }

    // A nil optional is NULL, so that the column is always written.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { put(key, .null) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(NotScalarKeyed<NestedKey>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { NotScalarContainer() }
    // A superclass's fields have no place in a row: encoding them fails, never drops them.
    mutating func superEncoder() -> any Encoder { NotRowEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { NotRowEncoder() }
}

/// The encoder for a superclass: whatever it is given says the value is not a row of scalars.
struct NotRowEncoder: Encoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(NotScalarKeyed<Key>()) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { NotScalarContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { NotScalarContainer() }
}

/// Finds whether a value encodes as one scalar (a raw-value enum, a wrapper): anything else
/// throws ``NotScalar`` and the value is written as JSON.
final class ScalarProbe: Encoder, SingleValueEncodingContainer {
    struct NotScalar: Error {}
    var result: PostgresFieldValue?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(NotScalarKeyed<Key>()) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { NotScalarContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { result = .null }
    func encode(_ value: Bool) throws { result = .text(value ? "t" : "f") }
    func encode(_ value: String) throws { result = .text(value) }
    func encode(_ value: Double) throws { result = .text(PostgresCopyText.double(value)) }
    func encode(_ value: Float) throws { result = .text(PostgresCopyText.double(Double(value))) }
    func encode(_ value: Int) throws { result = .text(String(value)) }
    func encode(_ value: Int8) throws { result = .text(String(value)) }
    func encode(_ value: Int16) throws { result = .text(String(value)) }
    func encode(_ value: Int32) throws { result = .text(String(value)) }
    func encode(_ value: Int64) throws { result = .text(String(value)) }
    func encode(_ value: UInt) throws { result = .text(String(value)) }
    func encode(_ value: UInt8) throws { result = .text(String(value)) }
    func encode(_ value: UInt16) throws { result = .text(String(value)) }
    func encode(_ value: UInt32) throws { result = .text(String(value)) }
    func encode(_ value: UInt64) throws { result = .text(String(value)) }
    func encode<T: Encodable>(_ value: T) throws { result = try PostgresRowEncoder.field(of: value) }
}

/// A container whose first use says the value is not a scalar.
struct NotScalarContainer: UnkeyedEncodingContainer, SingleValueEncodingContainer {
    var codingPath: [any CodingKey] { [] }
    var count: Int { 0 }
    mutating func encodeNil() throws { throw ScalarProbe.NotScalar() }
    mutating func encode<T: Encodable>(_ value: T) throws { throw ScalarProbe.NotScalar() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(NotScalarKeyed<NestedKey>())
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { ScalarProbe() }
}

struct NotScalarKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) throws { throw ScalarProbe.NotScalar() }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw ScalarProbe.NotScalar() }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(NotScalarKeyed<NestedKey>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { NotScalarContainer() }
    mutating func superEncoder() -> any Encoder { ScalarProbe() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ScalarProbe() }
}

import Foundation

/// Decodes a ``Value`` into a `Decodable` type: what ``Record/decode(as:)`` uses. Text
/// converts to numbers, booleans and `Date`s (`yyyy-MM-dd`, or an ISO 8601 timestamp) where the type wants them, so a
/// record read from a CSV decodes into typed fields.
struct RecordDecoder: Decoder {
    let value: Value
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .record(let record) = value else { throw mismatch("a record") }
        return KeyedDecodingContainer(KeyedRecordContainer<Key>(record: record, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let values) = value else { throw mismatch("a list") }
        return UnkeyedRecordContainer(values: values, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleRecordValue(value: value, codingPath: codingPath) }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value)"))
    }
}

/// Converts one value to the primitive a type asks for.
struct SingleRecordValue: SingleValueDecodingContainer {
    let value: Value
    let codingPath: [any CodingKey]

    func failure(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "cannot read \(value) as \(type)"))
    }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .string(let text):
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw failure(type)
            }
        case .int(let number) where number == 0 || number == 1: return number == 1
        default: throw failure(type)
        }
    }

    func decode(_ type: String.Type) throws -> String {
        guard let text = value.text else { throw failure(type) }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        case .decimal(let number): return Double(number.description) ?? .nan
        case .string(let text):
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else { throw failure(type) }
            return number
        default: throw failure(type)
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch value {
        case .int(let number):
            guard let converted = T(exactly: number) else { throw failure(type) }
            return converted
        case .double(let number):
            guard let converted = T(exactly: number) else { throw failure(type) }
            return converted
        case .decimal(let number):
            guard let converted = T(number.description) else { throw failure(type) }
            return converted
        case .string(let text):
            guard let converted = T(text.trimmingCharacters(in: .whitespaces)) else { throw failure(type) }
            return converted
        default: throw failure(type)
        }
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Date.self {
            switch value {
            case .date(let date): return date as! T
            case .string(let text):
                // A day, or a timestamp as a database or a JSON document writes it.
                if let day = CivilDate(iso: text) { return day.date as! T }
                guard let instant = DateParsing.iso8601(text) else { throw failure(type) }
                return instant as! T
            default: throw failure(type)
            }
        }
        if type == Decimal.self {
            switch value {
            case .decimal(let number): return number as! T
            case .int(let number): return Decimal(number) as! T
            case .double(let number) where number.isFinite:
                guard let exact = ExactDecimal.parse(String(number)) else { throw failure(type) }
                return exact as! T
            case .string(let text):
                guard let exact = ExactDecimal.parse(text.trimmingCharacters(in: .whitespaces)) else { throw failure(type) }
                return exact as! T
            default: throw failure(type)
            }
        }
        if type == Value.self { return value as! T }
        if type == Record.self, case .record(let record) = value { return record as! T }
        return try T(from: RecordDecoder(value: value, codingPath: codingPath))
    }
}

struct KeyedRecordContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let record: Record
    let codingPath: [any CodingKey]

    var allKeys: [Key] { record.names.compactMap(Key.init(stringValue:)) }
    func contains(_ key: Key) -> Bool { record[key.stringValue] != nil }

    func value(_ key: Key) throws -> Value {
        guard let value = record[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "the record has no field '\(key.stringValue)'"))
        }
        return value
    }

    func single(_ key: Key) throws -> SingleRecordValue { SingleRecordValue(value: try value(key), codingPath: codingPath + [key]) }

    func decodeNil(forKey key: Key) throws -> Bool { (record[key.stringValue] ?? .null) == .null }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try single(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try single(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try single(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try single(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try single(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try single(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try single(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try single(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try single(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try single(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try single(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try single(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try single(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try single(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try single(key).decode(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try RecordDecoder(value: try value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try RecordDecoder(value: try value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { RecordDecoder(value: .record(record), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RecordDecoder(value: try value(key), codingPath: codingPath + [key]) }
}

struct UnkeyedRecordContainer: UnkeyedDecodingContainer {
    let values: ValueList
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { values.count }
    var isAtEnd: Bool { currentIndex >= values.count }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    mutating func next() throws -> SingleRecordValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Value.self, .init(codingPath: codingPath, debugDescription: "the list has only \(values.count) values"))
        }
        defer { currentIndex += 1 }
        return SingleRecordValue(value: values[currentIndex], codingPath: codingPath + [Index(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, values[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().decode(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let value = try next().value
        return try RecordDecoder(value: value, codingPath: codingPath).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let value = try next().value
        return try RecordDecoder(value: value, codingPath: codingPath).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder { RecordDecoder(value: try next().value, codingPath: codingPath) }
}

extension Value {
    /// A decoder that reads this value with ``Record/decode(as:)``'s conversions: what a
    /// custom `init(from:)` of another decoder can hand a nested document to.
    public func decoder(codingPath: [any CodingKey] = []) -> any Decoder {
        RecordDecoder(value: self, codingPath: codingPath)
    }
}

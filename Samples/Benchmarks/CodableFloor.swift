/// A decoder and an encoder that read and write nothing: each call answers a constant or
/// drops its value. Timing a type's synthesized `init(from:)` and `encode(to:)` against them
/// gives the cost of `Codable`'s own calls (container boxes, witness tables, generic
/// metadata) with no parsing or formatting: the floor below which no `Codable` decoder or
/// encoder can go, whatever it does with bytes. The top-level container is made once and
/// reused, as Sluice's codecs do.
final class FloorDecoder: Decoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    private var keyType: ObjectIdentifier?
    private var box: Any?

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedDecodingContainer<Key> {
        if keyType == ObjectIdentifier(Key.self), let made = box as? KeyedDecodingContainer<Key> { return made }
        let made = KeyedDecodingContainer(FloorKeyedContainer<Key>())
        keyType = ObjectIdentifier(Key.self)
        box = made
        return made
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw FloorUnsupported() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw FloorUnsupported() }
}

struct FloorUnsupported: Error {}

/// Answers every field with a constant.
struct FloorKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }
    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) -> Bool { false }
    func decode(_ type: Bool.Type, forKey key: Key) -> Bool { false }
    func decode(_ type: String.Type, forKey key: Key) -> String { "u" }
    func decode(_ type: Double.Type, forKey key: Key) -> Double { 1 }
    func decode(_ type: Float.Type, forKey key: Key) -> Float { 1 }
    func decode(_ type: Int.Type, forKey key: Key) -> Int { 1 }
    func decode(_ type: Int8.Type, forKey key: Key) -> Int8 { 1 }
    func decode(_ type: Int16.Type, forKey key: Key) -> Int16 { 1 }
    func decode(_ type: Int32.Type, forKey key: Key) -> Int32 { 1 }
    func decode(_ type: Int64.Type, forKey key: Key) -> Int64 { 1 }
    func decode(_ type: UInt.Type, forKey key: Key) -> UInt { 1 }
    func decode(_ type: UInt8.Type, forKey key: Key) -> UInt8 { 1 }
    func decode(_ type: UInt16.Type, forKey key: Key) -> UInt16 { 1 }
    func decode(_ type: UInt32.Type, forKey key: Key) -> UInt32 { 1 }
    func decode(_ type: UInt64.Type, forKey key: Key) -> UInt64 { 1 }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { throw FloorUnsupported() }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> { throw FloorUnsupported() }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw FloorUnsupported() }
    func superDecoder() throws -> any Decoder { throw FloorUnsupported() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw FloorUnsupported() }
}

/// Drops every value; counts the fields so that the calls cannot be optimised away.
final class FloorEncoder: Encoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var fields = 0
    private var keyType: ObjectIdentifier?
    private var box: Any?

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if keyType == ObjectIdentifier(Key.self), let made = box as? KeyedEncodingContainer<Key> { return made }
        let made = KeyedEncodingContainer(FloorKeyedEncodingContainer<Key>(encoder: self))
        keyType = ObjectIdentifier(Key.self)
        box = made
        return made
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("the floor encoder writes objects only") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("the floor encoder writes objects only") }
}

/// Counts each field and drops it.
struct FloorKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    unowned let encoder: FloorEncoder
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Bool, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: String, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Double, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Float, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Int, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Int8, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Int16, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Int32, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: Int64, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: UInt, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: UInt8, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: UInt16, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: UInt32, forKey key: Key) { encoder.fields += 1 }
    mutating func encode(_ value: UInt64, forKey key: Key) { encoder.fields += 1 }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) { encoder.fields += 1 }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> { fatalError("the floor encoder writes flat objects only") }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        fatalError("the floor encoder writes flat objects only")
    }
    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
}

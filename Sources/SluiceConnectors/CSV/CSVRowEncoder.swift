import Foundation
import SluiceCore

/// Flattens an `Encodable` value into named text fields for one CSV row. Nested records and
/// lists cannot be written as CSV and are an error.
///
/// One encoder serves every row of a sink: its arrays are emptied, not made again, and the
/// common field types (strings, integers, doubles, booleans) are written by overloads of
/// their own rather than through a dynamic cast of a generic value.
final class CSVRowEncoder {
    final class Fields {
        var names: [String] = []
        var values: [String] = []
    }

    let fields = Fields()

    /// The names and texts of `value`'s fields, valid until the next call.
    func fields<T: Encodable>(of value: T) throws -> (names: [String], values: [String]) {
        fields.names.removeAll(keepingCapacity: true)
        fields.values.removeAll(keepingCapacity: true)
        try value.encode(to: CSVFieldsEncoder(fields: fields))
        return (fields.names, fields.values)
    }
}

private struct CSVFieldsEncoder: Encoder {
    let fields: CSVRowEncoder.Fields
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(CSVFieldsContainer<Key>(fields: fields))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { CSVUnsupported(path: []) }
    func singleValueContainer() -> any SingleValueEncodingContainer { CSVUnsupported(path: []) }
}

private func csvText(_ number: Double, path: @autoclosure () -> [any CodingKey]) throws -> String {
    guard number.isFinite else { throw EncodingError.invalidValue(number, .init(codingPath: path(), debugDescription: "\(number) is not a finite number")) }
    return number.description
}

private func csvText<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> String {
    switch value {
    case let text as String: return text
    case let flag as Bool: return flag ? "true" : "false"
    case let number as Double: return try csvText(number, path: path)
    case let number as Float: return number.description
    case let number as any BinaryInteger: return "\(number)"
    case let date as Date: return ISO8601Formatting.string(from: date)
    case let decimal as Decimal: return ExactDecimal.text(decimal)
    case let url as URL: return url.absoluteString
    default:
        let capture = SingleValueCapture(path: path)
        try value.encode(to: capture)
        guard let text = capture.box.text else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "a CSV field holds one value, not a nested record or list"))
        }
        return text
    }
}

private struct CSVFieldsContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let fields: CSVRowEncoder.Fields
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        fields.names.append(key.stringValue)
        fields.values.append("")
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let text = try csvText(value, path: [key])
        fields.names.append(key.stringValue)
        fields.values.append(text)
    }
    private func add(_ text: String, _ key: Key) {
        fields.names.append(key.stringValue)
        fields.values.append(text)
    }
    mutating func encode(_ value: String, forKey key: Key) throws { add(value, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(value ? "true" : "false", key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { add(try csvText(value, path: [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(String(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(String(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(String(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(String(value), key) }
    // A missing optional is an empty field, not a missing column: every row has the type's
    // columns, whichever record comes first.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(CSVUnsupportedKeyed<NestedKey>(path: [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { CSVUnsupported(path: [key]) }
    mutating func superEncoder() -> any Encoder { CSVFieldsEncoder(fields: fields) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { CSVFieldsEncoder(fields: fields) }
}

/// Captures the single value a wrapper type (a raw-value enum, say) encodes.
private final class SingleValueCapture: Encoder, SingleValueEncodingContainer {
    final class Box { var text: String? }
    let box = Box()
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    init(path: [any CodingKey]) { codingPath = path }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(CSVUnsupportedKeyed<Key>(path: codingPath))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { CSVUnsupported(path: codingPath) }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }
    func encodeNil() throws { box.text = "" }
    func encode<T: Encodable>(_ value: T) throws { box.text = try csvText(value, path: codingPath) }
}

/// Records nothing; the caller notices that no single value was captured and reports it.
private struct CSVUnsupported: UnkeyedEncodingContainer, SingleValueEncodingContainer {
    let path: [any CodingKey]
    var codingPath: [any CodingKey] { path }
    var count: Int { 0 }
    mutating func encodeNil() throws { throw unsupported }
    mutating func encode<T: Encodable>(_ value: T) throws { throw unsupported }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(CSVUnsupportedKeyed<NestedKey>(path: path))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
    mutating func superEncoder() -> any Encoder { SingleValueCapture(path: path) }
    var unsupported: EncodingError {
        .invalidValue(0, .init(codingPath: path, debugDescription: "a CSV field holds one value, not a nested record or list"))
    }
}

private struct CSVUnsupportedKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let path: [any CodingKey]
    var codingPath: [any CodingKey] { path }
    var unsupported: EncodingError {
        .invalidValue(0, .init(codingPath: path, debugDescription: "a CSV field holds one value, not a nested record or list"))
    }
    mutating func encodeNil(forKey key: Key) throws { throw unsupported }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw unsupported }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(CSVUnsupportedKeyed<NestedKey>(path: path))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { CSVUnsupported(path: path) }
    mutating func superEncoder() -> any Encoder { SingleValueCapture(path: path) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SingleValueCapture(path: path) }
}

/// Writes one CSV field, quoted when it holds a delimiter, a quote or a line break.
func appendCSVField(_ text: String, delimiter: UInt8, to bytes: inout [UInt8]) {
    var text = text
    let needsQuotes = text.withUTF8 { CSVQuoting.needsQuotes(UnsafeRawBufferPointer($0), delimiter: delimiter) }
    guard needsQuotes else {
        text.withUTF8 { bytes.append(contentsOf: $0) }
        return
    }
    let utf8 = text.utf8
    bytes.append(0x22)
    for byte in utf8 {
        if byte == 0x22 { bytes.append(0x22) }
        bytes.append(byte)
    }
    bytes.append(0x22)
}

/// Whether a CSV field must be quoted, tested eight bytes at a time: almost no field holds a
/// delimiter, a quote or a line break, and the test then never looks at a byte alone.
enum CSVQuoting {
    static func needsQuotes(_ bytes: UnsafeRawBufferPointer, delimiter: UInt8) -> Bool {
        let delimiters = UInt64(delimiter) &* 0x0101_0101_0101_0101
        var index = 0
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let flags = LineBreakCounting.equalBytes(word, delimiters) | LineBreakCounting.equalBytes(word, 0x2222_2222_2222_2222)
                | LineBreakCounting.equalBytes(word, 0x0A0A_0A0A_0A0A_0A0A) | LineBreakCounting.equalBytes(word, 0x0D0D_0D0D_0D0D_0D0D)
            if flags != 0 { return true }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == delimiter || byte == 0x22 || byte == 0x0A || byte == 0x0D { return true }
            index += 1
        }
        return false
    }
}

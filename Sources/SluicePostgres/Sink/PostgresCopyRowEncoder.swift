import Foundation
import SluiceCore

/// Encodes an element straight into its COPY text line, for the columns the first element
/// fixed. It is the fast path of ``PostgresRowEncoder``: no list of named fields, no
/// intermediate strings for numbers, no dynamic casts for the common types. It expects the
/// element's properties in the columns' order (as synthesized `Encodable` conformances give
/// them); anything else — another order, a missing or extra property, a `Record` — throws
/// ``PostgresCopyRowEncoder/NotInColumnOrder``, and the caller takes the general path, which
/// gives the same text.
final class PostgresCopyRowEncoder {
    /// Thrown when the element's fields do not come in the columns' order.
    struct NotInColumnOrder: Error {}

    let columns: [String]
    let isKey: [Bool]
    let isArray: [Bool]
    /// The line so far. (Unchecked, like the next two: written per field by one thread at a
    /// time, where the runtime's exclusivity check cost more than the write.)
    @exclusivity(unchecked) var line: [UInt8] = []
    /// The next column to write.
    @exclusivity(unchecked) var position = 0

    /// Fields an element may have that are not columns written (history's `valid_from` and
    /// `valid_to`, which the merge sets).
    let ignoredFields: Set<String>

    init(columns: [String], isKey: [Bool], isArray: [Bool], ignoredFields: Set<String> = []) {
        self.columns = columns
        self.isKey = isKey
        self.isArray = isArray
        self.ignoredFields = ignoredFields
    }

    /// The COPY text of `element`'s columns, tab-separated, without the line's end.
    func encode<T: Encodable>(_ element: T) throws -> [UInt8] {
        try fill(element)
        return line
    }

    /// Writes `element`'s COPY text into `line`, which keeps its storage from row to row.
    private func fill<T: Encodable>(_ element: T) throws {
        guard !(element is Record) else { throw NotInColumnOrder() }
        line.removeAll(keepingCapacity: true)
        position = 0
        do {
            try element.encode(to: CopyRowTopEncoder(row: self))
        } catch is ScalarProbe.NotScalar {
            // A nested container or a superclass: the general path knows what to do.
            throw NotInColumnOrder()
        }
        guard position == columns.count else { throw NotInColumnOrder() }
    }

    /// Appends the COPY text of `element`'s columns to `bytes`: the fast path, or the general
    /// one when its fields do not come in the columns' order. Nothing is allocated per row.
    func append<T: Encodable>(_ element: T, to bytes: inout [UInt8]) throws {
        do {
            try fill(element)
            bytes.append(contentsOf: line)
        } catch is NotInColumnOrder {
            bytes.append(contentsOf: try generalText(of: PostgresRowEncoder.fields(of: element)))
        }
    }

    /// The COPY text of `element`'s columns: the fast path, or the general one when its
    /// fields do not come in the columns' order.
    func text<T: Encodable>(of element: T) throws -> [UInt8] {
        do { return try encode(element) } catch is NotInColumnOrder {}
        return try generalText(of: PostgresRowEncoder.fields(of: element))
    }

    /// The general path: the COPY text of an element's named fields, in any order; a field
    /// that is not a column is an error, but for ``ignoredFields``.
    func generalText(of fields: [(name: String, value: PostgresFieldValue)]) throws -> [UInt8] {
        // Usually the fields come in the columns' order: no lookup is needed.
        var byName: [String: PostgresFieldValue] = [:]
        let inOrder = fields.count == columns.count && zip(fields, columns).allSatisfy { $0.name == $1 }
        if !inOrder {
            for field in fields {
                // A field the first element did not have would be lost: the element is refused.
                guard columns.contains(field.name) || ignoredFields.contains(field.name) else {
                    throw RecordError("the element has a field '\(field.name)' the first element did not have; it has no column among \(columns.joined(separator: ", "))")
                }
                byName[field.name] = field.value
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(128)
        for (position, name) in columns.enumerated() {
            guard let value = inOrder ? fields[position].value : byName[name] else {
                throw RecordError("the element has no field '\(name)', which the first element had")
            }
            if position > 0 { text.append(UInt8(ascii: "\t")) }
            switch value {
            case .null:
                if isKey[position] { throw RecordError("the key column '\(name)' is NULL") }
                text += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
            case .text(let value): PostgresCopyText.appendEscaped(value, to: &text)
            case .json(let json):
                let written = isArray[position] ? try PostgresCopyText.arrayLiteral(fromJSON: json, column: name) : json
                PostgresCopyText.appendEscaped(written, to: &text)
            }
        }
        return text
    }

    /// Starts the field `name`: it must be the next column.
    @inline(__always) func begin(_ name: String) throws {
        guard position < columns.count, columns[position] == name else { throw NotInColumnOrder() }
        if position > 0 { line.append(UInt8(ascii: "\t")) }
        position += 1
    }

    func appendNull() throws {
        if isKey[position - 1] { throw RecordError("the key column '\(columns[position - 1])' is NULL") }
        line.append(UInt8(ascii: "\\"))
        line.append(UInt8(ascii: "N"))
    }

    @inline(__always) func appendInteger<I: BinaryInteger>(_ value: I) {
        // Digits written backwards into a small buffer: no String is made.
        var magnitude = value.magnitude
        if value < 0 { line.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            var index = 40
            repeat {
                index -= 1
                buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<40]))
        }
    }

    @inline(__always) func appendText(_ text: String) {
        PostgresCopyText.appendEscaped(text, to: &line)
    }

    /// Any other value: the common Foundation types without a cast, the rest as the general
    /// path writes them.
    func appendValue<T: Encodable>(_ value: T) throws {
        if T.self == Decimal.self {
            // Decimal text needs no COPY escaping.
            ExactDecimal.appendText(unsafeBitCast(value, to: Decimal.self), to: &line)
            return
        }
        if T.self == Date.self {
            appendText(PostgresCopyText.timestamp(unsafeBitCast(value, to: Date.self)))
            return
        }
        switch try PostgresRowEncoder.field(of: value) {
        case .null: try appendNull()
        case .text(let text): appendText(text)
        case .json(let json):
            if isArray[position - 1] {
                appendText(try PostgresCopyText.arrayLiteral(fromJSON: json, column: columns[position - 1]))
            } else {
                appendText(json)
            }
        }
    }
}

/// The element's `Encoder`: only a keyed container is a row.
private struct CopyRowTopEncoder: Encoder {
    let row: PostgresCopyRowEncoder
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(CopyRowContainer<Key>(row: row))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { NotScalarContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { NotScalarContainer() }
}

/// Writes each property as the next column.
private struct CopyRowContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let row: PostgresCopyRowEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { try row.begin(key.stringValue); try row.appendNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try row.begin(key.stringValue)
        row.line.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }
    mutating func encode(_ value: String, forKey key: Key) throws { try row.begin(key.stringValue); row.appendText(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try row.begin(key.stringValue); row.appendText(PostgresCopyText.double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try row.begin(key.stringValue); row.appendText(PostgresCopyText.double(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try row.begin(key.stringValue); row.appendInteger(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try row.begin(key.stringValue); try row.appendValue(value) }

    // A nil optional is NULL, so that the column is always written.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }

    // Nested containers send the element to the general path (see `fill`).
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(NotScalarKeyed<NestedKey>())
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { NotScalarContainer() }
    mutating func superEncoder() -> any Encoder { NotRowEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { NotRowEncoder() }
}

import Foundation
import SluiceCore

/// The columns of a CSV file, looked up by name.
@usableFromInline final class CSVHeader: @unchecked Sendable {
    @usableFromInline let names: [String]
    let indexByName: [String: Int]

    /// A header of `names`; a repeated name gets a suffix (`a`, `b`, `a_2`), so that no
    /// column's values are lost behind another's.
    @usableFromInline init(names: [String], keyDecoding: CSVKeyDecoding = .useHeaderNames) {
        let unique = Self.uniqueNames(names)
        self.names = unique
        propertyNames = unique.map(keyDecoding.propertyName(for:))
        var index: [String: Int] = [:]
        index.reserveCapacity(unique.count)
        for (position, name) in propertyNames.enumerated() where index[name] == nil { index[name] = position }
        indexByName = index
    }

    /// The property each column stands for (the names themselves, unless keys are converted).
    @usableFromInline let propertyNames: [String]

    /// `names` with each repeat renamed `name_2`, `name_3`…, skipping suffixes that are
    /// names of their own.
    static func uniqueNames(_ names: [String]) -> [String] {
        var taken = Set(names)
        guard taken.count < names.count else { return names }
        var seen: Set<String> = []
        var result: [String] = []
        result.reserveCapacity(names.count)
        for name in names {
            guard !seen.insert(name).inserted else { result.append(name); continue }
            var suffix = 2
            while taken.contains("\(name)_\(suffix)") { suffix += 1 }
            let renamed = "\(name)_\(suffix)"
            taken.insert(renamed)
            seen.insert(renamed)
            result.append(renamed)
        }
        return result
    }

    func index(of name: String) -> Int? { indexByName[name] }
}

/// A `Decoder` over the current record of a ``CSVParser``: properties are looked up by
/// column name; numbers, booleans and dates are parsed from the field text.
@usableFromInline final class CSVRowDecoder: Decoder {
    let parser: CSVParser
    @usableFromInline let header: CSVHeader
    let options: CSVOptions
    /// The readers of columns with date formats, by column.
    let dateReaders: [Int: DateStandardiser]
    @usableFromInline var codingPath: [any CodingKey] { [] }
    @usableFromInline var userInfo: [CodingUserInfoKey: Any] { [:] }

    @usableFromInline init(parser: CSVParser, header: CSVHeader, options: CSVOptions) {
        self.parser = parser
        self.header = header
        self.options = options
        var readers: [Int: DateStandardiser] = [:]
        for (column, name) in header.names.enumerated() {
            if let formats = options.dateFormats[name] { readers[column] = DateStandardiser(formats: formats) }
        }
        dateReaders = readers
    }

    @usableFromInline func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        keyCursor = 0
        // The container holds nothing but this decoder: one serves every row (see
        // ``ReusedKeyedContainer``).
        return reusedContainer.container(keyedBy: type) { KeyedDecodingContainer(CSVKeyedContainer<Key>(decoder: self)) }
    }

    @exclusivity(unchecked) var reusedContainer = ReusedKeyedContainer()

    /// The keys asked for in the previous record, in order, with their columns: a type asks
    /// for its keys in the same order in every record, so the next key is usually the one
    /// found here, and comparing two equal literal strings is cheaper than hashing one.
    /// (Unchecked: read per field on one task, where the runtime's exclusivity check cost
    /// more than the lookup.)
    @exclusivity(unchecked) var recentKeys: [(name: String, column: Int)] = []
    @exclusivity(unchecked) var keyCursor = 0

    @usableFromInline func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "a CSV record decodes as a keyed value (a struct), not a list"))
    }

    @usableFromInline func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [], debugDescription: "a CSV record decodes as a keyed value (a struct), not a single value"))
    }

    func column(_ key: some CodingKey) -> Int? {
        let name = key.stringValue
        let found: Int?
        if keyCursor < recentKeys.count, recentKeys[keyCursor].name == name {
            found = recentKeys[keyCursor].column
        } else {
            found = header.index(of: name)
            if let found {
                if keyCursor < recentKeys.count { recentKeys[keyCursor] = (name, found) } else if keyCursor == recentKeys.count { recentKeys.append((name, found)) }
            }
        }
        keyCursor += 1
        guard let index = found, index < parser.fieldCount else { return nil }
        return index
    }

    func isEmpty(_ column: Int) -> Bool { parser.withField(column) { $0.isEmpty } }

    /// The current row as a ``Record`` of text values (empty fields `.null` when the options
    /// say so), built in one pass.
    @usableFromInline func record() throws -> Record {
        var fields: [(String, Value)] = []
        fields.reserveCapacity(header.names.count)
        for (column, name) in header.names.enumerated() {
            if options.emptyFieldIsNil && isEmpty(column) {
                fields.append((name, .null))
            } else {
                fields.append((name, .string(try text(column, path: [FieldKey(name)]))))
            }
        }
        return Record(fields)
    }

    func text(_ column: Int, path: @autoclosure () -> [any CodingKey]) throws -> String {
        do {
            return try parser.string(at: column)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "the field is not valid UTF-8"))
        }
    }

    func mismatch(_ type: Any.Type, _ column: Int, _ path: @autoclosure () -> [any CodingKey]) -> DecodingError {
        let shown = parser.withField(column) { String(decoding: $0.prefix(40), as: UTF8.self) }
        return .typeMismatch(type, .init(codingPath: path(), debugDescription: "expected \(type), found '\(shown)'"))
    }

    func bool(_ column: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        switch try text(column, path: path()).lowercased() {
        case "true", "t", "yes", "y", "1": return true
        case "false", "f", "no", "n", "0": return false
        default: throw mismatch(Bool.self, column, path())
        }
    }

    /// The field's number in plain notation, per the options' number format.
    func withNumber<R>(_ column: Int, _ body: (UnsafeRawBufferPointer) -> R?) -> R? {
        parser.withField(column) { bytes in
            let bytes = trimmed(bytes)
            guard options.numberFormat != .plain else { return body(bytes) }
            return options.numberFormat.plainNumber(bytes)?.withUnsafeBytes(body)
        }
    }

    func double(_ column: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> Double {
        guard let value = withNumber(column, NumberParsing.double) else { throw mismatch(Double.self, column, path()) }
        return value
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, _ column: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
        // Exactly, from the text: a UInt64 beyond Int64 is read, nothing is clamped.
        guard let exact = withNumber(column, { bytes in
            NumberParsing.int64(bytes).flatMap { T(exactly: $0) }
                ?? NumberParsing.wholeNumber(bytes).flatMap { NumberParsing.exactly($0, as: T.self) }
        }) else { throw mismatch(T.self, column, path()) }
        return exact
    }

    func decode<T: Decodable>(_ type: T.Type, _ column: Int, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
        if T.self == Date.self {
            if let formats = dateReaders[column] {
                let text = try text(column, path: path())
                guard let iso = formats.iso(text), let day = CivilDate(iso: iso) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription:
                        "expected a date as \(formats.formats.joined(separator: " or ")), found '\(text.prefix(40))'"))
                }
                return day.date as! T
            }
            if let date = parser.withField(column, { DateParsing.iso8601(trimmed($0)) }) { return date as! T }
            if let seconds = parser.withField(column, { NumberParsing.double(trimmed($0)) }) {
                return Date(timeIntervalSince1970: seconds) as! T
            }
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "expected an ISO 8601 date, found '\(try text(column, path: path()))'"))
        }
        if T.self == Decimal.self {
            guard let value = withNumber(column, { ExactDecimal.parse(utf8: $0) }) else {
                throw mismatch(Decimal.self, column, path())
            }
            return value as! T
        }
        return try T(from: CSVFieldDecoder(row: self, column: column, codingPath: path()))
    }
}

@inline(__always) func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
    while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
    return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
}

struct CSVKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// Unowned: the decoder keeps this container for reuse, and a container is only used
    /// while its decoder decodes a row.
    unowned let decoder: CSVRowDecoder
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { decoder.header.propertyNames.compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool {
        guard let column = decoder.column(key) else { return false }
        return !(decoder.options.emptyFieldIsNil && decoder.isEmpty(column))
    }

    private func column(_ key: Key) throws -> Int {
        guard let column = decoder.column(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "missing column '\(key.stringValue)'"))
        }
        return column
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let column = decoder.column(key) else { return true }
        return decoder.options.emptyFieldIsNil && decoder.isEmpty(column)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(column(key), [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.text(column(key), path: [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.double(column(key), [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try decoder.double(column(key), [key])) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.integer(Int.self, column(key), [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder.integer(Int8.self, column(key), [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder.integer(Int16.self, column(key), [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder.integer(Int32.self, column(key), [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder.integer(Int64.self, column(key), [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder.integer(UInt.self, column(key), [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder.integer(UInt8.self, column(key), [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder.integer(UInt16.self, column(key), [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder.integer(UInt32.self, column(key), [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder.integer(UInt64.self, column(key), [key]) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.decode(T.self, column(key), [key]) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: [key], debugDescription: "CSV fields cannot hold nested records"))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "CSV fields cannot hold lists"))
    }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { CSVFieldDecoder(row: decoder, column: try column(key), codingPath: [key]) }
}

/// A `Decoder` for one field, for types that decode themselves from a single value
/// (enums with raw values, wrappers).
struct CSVFieldDecoder: Decoder, SingleValueDecodingContainer {
    let row: CSVRowDecoder
    let column: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "CSV fields cannot hold nested records"))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "CSV fields cannot hold lists"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { row.options.emptyFieldIsNil && row.isEmpty(column) }
    func decode(_ type: Bool.Type) throws -> Bool { try row.bool(column, codingPath) }
    func decode(_ type: String.Type) throws -> String { try row.text(column, path: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try row.double(column, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try row.double(column, codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try row.integer(Int.self, column, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try row.integer(Int8.self, column, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try row.integer(Int16.self, column, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try row.integer(Int32.self, column, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try row.integer(Int64.self, column, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try row.integer(UInt.self, column, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try row.integer(UInt8.self, column, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try row.integer(UInt16.self, column, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try row.integer(UInt32.self, column, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try row.integer(UInt64.self, column, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try row.decode(T.self, column, codingPath) }
}

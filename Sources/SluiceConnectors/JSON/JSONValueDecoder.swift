import Foundation
import SluiceCore

/// A `Decoder` over one value of a parsed JSON tape.
@usableFromInline final class JSONValueDecoder: Decoder {
    @usableFromInline let storage: JSONDecodingStorage
    @usableFromInline let node: Int
    @usableFromInline let codingPath: [any CodingKey]
    @usableFromInline var userInfo: [CodingUserInfoKey: Any] { [:] }

    @usableFromInline init(storage: JSONDecodingStorage, node: Int, codingPath: [any CodingKey]) {
        self.storage = storage
        self.node = node
        self.codingPath = codingPath
    }

    @usableFromInline func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let value = storage.tape[node]
        guard value.kind == .object else {
            throw JSONDecodingSupport.mismatch([String: String].self, value, storage, codingPath)
        }
        if node == 0 { return storage.rootContainers.container(keyedBy: Key.self, storage: storage) }
        return KeyedDecodingContainer(JSONKeyedContainer<Key>(storage: storage, object: node, codingPath: codingPath))
    }

    @usableFromInline func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let value = storage.tape[node]
        guard value.kind == .array else {
            throw JSONDecodingSupport.mismatch([String].self, value, storage, codingPath)
        }
        return JSONUnkeyedContainer(storage: storage, array: node, codingPath: codingPath)
    }

    @usableFromInline func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueContainer(storage: storage, node: node, codingPath: codingPath)
    }
}

/// Conversions from tape nodes to Swift values, shared by the three container kinds.
@usableFromInline enum JSONDecodingSupport {
    static func describe(_ node: JSONNode, _ storage: JSONDecodingStorage) -> String {
        switch node.kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string, .escapedString:
            let text = (try? storage.string(of: node)) ?? ""
            return "string \"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
        case .number: return "number \(String(decoding: storage.bytes(of: node), as: UTF8.self))"
        case .true: return "true"
        case .false: return "false"
        case .null: return "null"
        }
    }

    static func mismatch(_ type: Any.Type, _ node: JSONNode, _ storage: JSONDecodingStorage,
                         _ path: @autoclosure () -> [any CodingKey]) -> DecodingError {
        if node.kind == .null {
            return .valueNotFound(type, .init(codingPath: path(), debugDescription: "expected \(type), found null"))
        }
        return .typeMismatch(type, .init(codingPath: path(),
                                         debugDescription: "expected \(type), found \(describe(node, storage))"))
    }

    static func string(_ node: JSONNode, _ storage: JSONDecodingStorage, _ path: @autoclosure () -> [any CodingKey]) throws -> String {
        guard node.kind == .string || node.kind == .escapedString else { throw mismatch(String.self, node, storage, path()) }
        do {
            return try storage.string(of: node)
        } catch let error as JSONSyntaxError {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: error.message))
        }
    }

    static func bool(_ node: JSONNode, _ storage: JSONDecodingStorage, _ path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        switch node.kind {
        case .true: return true
        case .false: return false
        default: throw mismatch(Bool.self, node, storage, path())
        }
    }

    static func double(_ node: JSONNode, _ storage: JSONDecodingStorage, _ path: @autoclosure () -> [any CodingKey]) throws -> Double {
        guard node.kind == .number, let value = NumberParsing.double(storage.bytes(of: node)) else {
            throw mismatch(Double.self, node, storage, path())
        }
        return value
    }

    /// The common case, kept non-generic so that it is fast even from unspecialised code.
    @usableFromInline static func int64(_ node: JSONNode, _ storage: JSONDecodingStorage,
                                        _ path: @autoclosure () -> [any CodingKey]) throws -> Int64 {
        if node.kind == .number, let value = NumberParsing.int64(storage.bytes(of: node)) { return value }
        return try integer(Int64.self, node, storage, path())
    }

    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ node: JSONNode, _ storage: JSONDecodingStorage,
                                              _ path: @autoclosure () -> [any CodingKey]) throws -> T {
        guard node.kind == .number else { throw mismatch(T.self, node, storage, path()) }
        let raw = storage.bytes(of: node)
        if let value = NumberParsing.int64(raw), let exact = T(exactly: value) { return exact }
        // Exactly, from the text: through a double, -9223372036854775809 would become Int64.min.
        let whole = NumberParsing.wholeNumber(raw)
        if let whole, let exact = NumberParsing.exactly(whole, as: T.self) { return exact }
        let problem = whole == .fraction ? "is not a whole number" : "does not fit in \(T.self)"
        throw DecodingError.dataCorrupted(.init(
            codingPath: path(), debugDescription: "number \(String(decoding: raw, as: UTF8.self)) \(problem)"))
    }

    /// A schema-less value straight from the tape: integers that fit are `.int`, larger ones
    /// `.decimal` (exact, or an error when longer than a `Decimal` keeps), numbers with a
    /// fraction or exponent `.double` (an error beyond its range); objects are records, with
    /// a repeated key keeping its last value.
    static func value(node index: Int, _ storage: JSONDecodingStorage, _ path: () -> [any CodingKey]) throws -> Value {
        try value(storage.tape[index], at: index, storage, path)
    }

    /// The value of `node`; `index` is its place on the tape (used for containers only).
    static func value(_ node: JSONNode, at index: Int, _ storage: JSONDecodingStorage,
                      _ path: () -> [any CodingKey]) throws -> Value {
        switch node.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .string, .escapedString: return .string(try string(node, storage, path()))
        case .number:
            let raw = storage.bytes(of: node)
            if let value = NumberParsing.int64(raw) { return .int(value) }
            // Integer text beyond Int64 stays exact; a fraction or an exponent reads as a double,
            // as JSON readers do, but never one that overflows to infinity.
            if !raw.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) {
                let text = String(decoding: raw, as: UTF8.self)
                guard let exact = ExactDecimal.parse(text) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription:
                        "number \(text) is a whole number too large to keep exactly (more than \(ExactDecimal.maximumDigits) digits)"))
                }
                return .decimal(exact)
            }
            let number = try double(node, storage, path())
            guard number.isFinite else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription:
                    "number \(String(decoding: raw, as: UTF8.self)) is beyond the range of a double"))
            }
            return .double(number)
        case .array:
            return .array(try list(node: index, count: Int(node.count), storage, path))
        case .object:
            return .record(try record(node: index, storage, path))
        }
    }

    /// The elements of the array at `index`. A list of only whole numbers or only doubles is
    /// held compactly (8 bytes an element, not 24): such lists can be millions long.
    static func list(node index: Int, count: Int, _ storage: JSONDecodingStorage,
                     _ path: () -> [any CodingKey]) throws -> ValueList {
        enum Kind { case undecided, integers, doubles, values }
        var kind = Kind.undecided
        var integers: [Int64] = [], doubles: [Double] = [], values: [Value] = []
        var elements = JSONArrayElements(array: index, in: storage.tape)
        for position in 0..<count {
            let elementPath = { path() + [IndexKey(position)] }
            let element: Value
            switch elements.next(storage.text, storage.tape) {
            case .container(let nested): element = try value(node: nested, storage, elementPath)
            case .scalar(let scalar): element = try value(scalar, at: -1, storage, elementPath)
            }
            switch (kind, element) {
            case (.integers, .int(let whole)): integers.append(whole)
            case (.doubles, .double(let number)): doubles.append(number)
            case (.undecided, .int(let whole)):
                kind = .integers
                integers.reserveCapacity(count)
                integers.append(whole)
            case (.undecided, .double(let number)):
                kind = .doubles
                doubles.reserveCapacity(count)
                doubles.append(number)
            default:
                if kind != .values {
                    values.reserveCapacity(count)
                    values.append(contentsOf: integers.lazy.map(Value.int))
                    values.append(contentsOf: doubles.lazy.map(Value.double))
                    integers = []
                    doubles = []
                    kind = .values
                }
                values.append(element)
            }
        }
        switch kind {
        case .integers: return ValueList(integers: integers)
        case .doubles: return ValueList(doubles: doubles)
        case .undecided, .values: return ValueList(values)
        }
    }

    /// A ``Record`` of every member of the object at `index`, in order.
    static func record(node index: Int, _ storage: JSONDecodingStorage, _ path: () -> [any CodingKey]) throws -> Record {
        let node = storage.tape[index]
        guard node.kind == .object else { throw mismatch(Record.self, node, storage, path()) }
        var fields: [(String, Value)] = []
        fields.reserveCapacity(Int(node.count))
        var member = index + 1
        for _ in 0..<Int(node.count) {
            let name = try string(storage.tape[member], storage, path())
            fields.append((name, try value(node: member + 1, storage, { path() + [FieldKey(name)] })))
            member = Int(storage.tape[member + 1].next)
        }
        return Record(fields)
    }

    /// Decodes types that need care: dates (ISO 8601 strings or seconds since 1970), decimals
    /// (from their exact text), and everything else through its own `init(from:)`.
    @usableFromInline static func decode<T: Decodable>(_ type: T.Type, node index: Int, _ storage: JSONDecodingStorage,
                                     _ path: [any CodingKey]) throws -> T {
        let node = storage.tape[index]
        if T.self == Date.self {
            switch node.kind {
            case .number:
                return Date(timeIntervalSince1970: try double(node, storage, path)) as! T
            case .string:
                if let date = DateParsing.iso8601(storage.bytes(of: node)) { return date as! T }
                throw DecodingError.dataCorrupted(.init(codingPath: path,
                    debugDescription: "expected an ISO 8601 date, found \(describe(node, storage))"))
            default:
                throw mismatch(Date.self, node, storage, path)
            }
        }
        if T.self == Decimal.self {
            guard node.kind == .number else { throw mismatch(Decimal.self, node, storage, path) }
            let text = String(decoding: storage.bytes(of: node), as: UTF8.self)
            guard let value = ExactDecimal.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription:
                    "number \(text) has more digits than a Decimal keeps exactly (\(ExactDecimal.maximumDigits))"))
            }
            return value as! T
        }
        if T.self == Value.self { return try value(node: index, storage, { path }) as! T }
        if T.self == Record.self { return try record(node: index, storage, { path }) as! T }
        return try T(from: JSONValueDecoder(storage: storage, node: index, codingPath: path))
    }
}

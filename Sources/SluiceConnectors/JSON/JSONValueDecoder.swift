import Foundation

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
        if let value = NumberParsing.int64(raw) {
            if let exact = T(exactly: value) { return exact }
        } else if let value = NumberParsing.double(raw), let exact = T(exactly: value) {
            return exact
        } else if T.self == UInt64.self || T.self == UInt.self, let value = UInt64(String(decoding: raw, as: UTF8.self)),
                  let exact = T(exactly: value) {
            return exact
        }
        throw DecodingError.dataCorrupted(.init(
            codingPath: path(), debugDescription: "number \(String(decoding: raw, as: UTF8.self)) does not fit in \(T.self)"))
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
            guard node.kind == .number,
                  let value = Decimal(string: String(decoding: storage.bytes(of: node), as: UTF8.self)) else {
                throw mismatch(Decimal.self, node, storage, path)
            }
            return value as! T
        }
        return try T(from: JSONValueDecoder(storage: storage, node: index, codingPath: path))
    }
}

/// Keyed access to a JSON object on the tape.
@usableFromInline struct JSONKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let storage: JSONDecodingStorage
    let object: Int
    @usableFromInline let codingPath: [any CodingKey]

    init(storage: JSONDecodingStorage, object: Int, codingPath: [any CodingKey]) {
        self.storage = storage
        self.object = object
        self.codingPath = codingPath
    }

    @usableFromInline var allKeys: [Key] {
        var keys: [Key] = []
        var index = object + 1
        for _ in 0..<storage.tape[object].count {
            if let name = try? storage.string(of: storage.tape[index]), let key = Key(stringValue: name) { keys.append(key) }
            index = Int(storage.tape[index + 1].next)
        }
        return keys
    }

    /// The tape index of the value for `key`, searching from where the last lookup ended.
    private func find(_ key: Key) -> Int? {
        let members = Int(storage.tape[object].count)
        guard members > 0 else { return nil }
        var name = key.stringValue
        let first = object + 1
        let hint = Int(storage.memberHint)
        var index = Int(storage.memberHintObject) == object && hint > object && hint < Int(storage.tape[object].next) ? hint : first
        for _ in 0..<members {
            let valueIndex = index + 1
            let next = Int(storage.tape[valueIndex].next)
            if storage.key(storage.tape[index], equals: &name) {
                storage.memberHint = Int32(next)
                storage.memberHintObject = Int32(object)
                return valueIndex
            }
            index = next < Int(storage.tape[object].next) ? next : first
        }
        return nil
    }

    private func value(_ key: Key) throws -> JSONNode {
        guard let index = find(key) else { throw missing(key) }
        return storage.tape[index]
    }

    private func missing(_ key: Key) -> DecodingError {
        .keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing field '\(key.stringValue)'"))
    }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }  // only built for errors and nested values

    @usableFromInline func contains(_ key: Key) -> Bool { find(key) != nil }

    @usableFromInline func decodeNil(forKey key: Key) throws -> Bool {
        guard let index = find(key) else { return true }
        return storage.tape[index].kind == .null
    }

    @usableFromInline func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try JSONDecodingSupport.bool(value(key), storage, path(key))
    }
    @usableFromInline func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try JSONDecodingSupport.string(value(key), storage, path(key))
    }
    @usableFromInline func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try JSONDecodingSupport.double(value(key), storage, path(key))
    }
    @usableFromInline func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        Float(try JSONDecodingSupport.double(value(key), storage, path(key)))
    }
    @usableFromInline func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        Int(try JSONDecodingSupport.int64(value(key), storage, path(key)))
    }
    @usableFromInline func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    @usableFromInline func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    @usableFromInline func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    @usableFromInline func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try JSONDecodingSupport.int64(value(key), storage, path(key))
    }
    @usableFromInline func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    @usableFromInline func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    @usableFromInline func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    @usableFromInline func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    @usableFromInline func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }

    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try JSONDecodingSupport.integer(T.self, value(key), storage, path(key))
    }

    @usableFromInline func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let index = find(key) else { throw missing(key) }
        return try JSONDecodingSupport.decode(T.self, node: index, storage, path(key))
    }

    @usableFromInline func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> {
        guard let index = find(key) else { throw missing(key) }
        return try JSONValueDecoder(storage: storage, node: index, codingPath: path(key)).container(keyedBy: type)
    }

    @usableFromInline func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let index = find(key) else { throw missing(key) }
        return try JSONValueDecoder(storage: storage, node: index, codingPath: path(key)).unkeyedContainer()
    }

    @usableFromInline func superDecoder() throws -> any Decoder {
        JSONValueDecoder(storage: storage, node: object, codingPath: codingPath)
    }

    @usableFromInline func superDecoder(forKey key: Key) throws -> any Decoder {
        guard let index = find(key) else { throw missing(key) }
        return JSONValueDecoder(storage: storage, node: index, codingPath: path(key))
    }
}

/// Sequential access to a JSON array on the tape.
@usableFromInline struct JSONUnkeyedContainer: UnkeyedDecodingContainer {
    let storage: JSONDecodingStorage
    let array: Int
    @usableFromInline let codingPath: [any CodingKey]
    @usableFromInline var currentIndex = 0
    private var elements: JSONArrayElements

    init(storage: JSONDecodingStorage, array: Int, codingPath: [any CodingKey]) {
        self.storage = storage
        self.array = array
        self.codingPath = codingPath
        self.elements = JSONArrayElements(array: array, in: storage.tape)
    }

    @usableFromInline var count: Int? { Int(storage.tape[array].count) }
    @usableFromInline var isAtEnd: Bool { currentIndex >= count! }

    private var elementPath: [any CodingKey] { codingPath + [IndexKey(currentIndex)] }

    private mutating func next() throws -> Int {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: elementPath, debugDescription: "the array has no more elements"))
        }
        currentIndex += 1
        return storage.index(of: elements.next(storage.text, storage.tape))
    }

    @usableFromInline mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .scalar(let node) = elements.peek(storage.text, storage.tape), node.kind == .null else {
            return false
        }
        _ = try next()
        return true
    }

    @usableFromInline mutating func decode(_ type: Bool.Type) throws -> Bool {
        let path = elementPath
        return try JSONDecodingSupport.bool(storage.tape[next()], storage, path)
    }
    @usableFromInline mutating func decode(_ type: String.Type) throws -> String {
        let path = elementPath
        return try JSONDecodingSupport.string(storage.tape[next()], storage, path)
    }
    @usableFromInline mutating func decode(_ type: Double.Type) throws -> Double {
        let path = elementPath
        return try JSONDecodingSupport.double(storage.tape[next()], storage, path)
    }
    @usableFromInline mutating func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    @usableFromInline mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    @usableFromInline mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    @usableFromInline mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    @usableFromInline mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    @usableFromInline mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    @usableFromInline mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    @usableFromInline mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    @usableFromInline mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    @usableFromInline mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    @usableFromInline mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private mutating func integer<T: FixedWidthInteger>() throws -> T {
        let path = elementPath
        return try JSONDecodingSupport.integer(T.self, storage.tape[next()], storage, path)
    }

    @usableFromInline mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let path = elementPath
        return try JSONDecodingSupport.decode(T.self, node: next(), storage, path)
    }

    @usableFromInline mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey> {
        let path = elementPath
        return try JSONValueDecoder(storage: storage, node: next(), codingPath: path).container(keyedBy: type)
    }

    @usableFromInline mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = elementPath
        return try JSONValueDecoder(storage: storage, node: next(), codingPath: path).unkeyedContainer()
    }

    @usableFromInline mutating func superDecoder() throws -> any Decoder {
        let path = elementPath
        return JSONValueDecoder(storage: storage, node: try next(), codingPath: path)
    }
}

/// Access to a single JSON value on the tape.
@usableFromInline struct JSONSingleValueContainer: SingleValueDecodingContainer {
    let storage: JSONDecodingStorage
    let node: Int
    @usableFromInline let codingPath: [any CodingKey]

    private var value: JSONNode { storage.tape[node] }

    @usableFromInline func decodeNil() -> Bool { value.kind == .null }
    @usableFromInline func decode(_ type: Bool.Type) throws -> Bool { try JSONDecodingSupport.bool(value, storage, codingPath) }
    @usableFromInline func decode(_ type: String.Type) throws -> String { try JSONDecodingSupport.string(value, storage, codingPath) }
    @usableFromInline func decode(_ type: Double.Type) throws -> Double { try JSONDecodingSupport.double(value, storage, codingPath) }
    @usableFromInline func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
    @usableFromInline func decode(_ type: Int.Type) throws -> Int { try integer() }
    @usableFromInline func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    @usableFromInline func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    @usableFromInline func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    @usableFromInline func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    @usableFromInline func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    @usableFromInline func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    @usableFromInline func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    @usableFromInline func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    @usableFromInline func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    private func integer<T: FixedWidthInteger>() throws -> T {
        try JSONDecodingSupport.integer(T.self, value, storage, codingPath)
    }

    @usableFromInline func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecodingSupport.decode(T.self, node: node, storage, codingPath)
    }
}

/// A coding key for an array position.
struct IndexKey: CodingKey {
    var stringValue: String { "[\(index)]" }
    var intValue: Int? { index }
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
}

/// The keyed container of the top-level object, made once per `CodingKeys` type and handed
/// out again for every later record.
///
/// Why: `KeyedDecodingContainer(_:)` boxes its container in a new class instance, and from the
/// unspecialised code of a synthesized `init(from:)` that costs two generic metadata lookups
/// and an allocation on every record, about a tenth of decoding a small object. The container
/// for the top-level object holds nothing that changes between records (its state is the
/// shared ``JSONDecodingStorage``), so one box serves them all.
@usableFromInline struct ReusedKeyedContainer {
    private var keyType: ObjectIdentifier?
    private var box: AnyObject?

    @usableFromInline init() {}

    /// The container for `Key`: the saved one when the type is the same as last time.
    mutating func container<Key: CodingKey>(keyedBy type: Key.Type, storage: JSONDecodingStorage) -> KeyedDecodingContainer<Key> {
        container(keyedBy: type) { KeyedDecodingContainer(JSONKeyedContainer<Key>(storage: storage, object: 0, codingPath: [])) }
    }

    /// The container for `Key`: the saved one when the type is the same as last time, else
    /// one `make` makes (and is saved).
    mutating func container<Key: CodingKey>(keyedBy type: Key.Type, make: () -> KeyedDecodingContainer<Key>) -> KeyedDecodingContainer<Key> {
        // `KeyedDecodingContainer` is a single reference to its box; when a future standard
        // library changes that, containers are simply made every time.
        guard ContainerLayout.isSingleReference else { return make() }
        if keyType == ObjectIdentifier(Key.self), let box {
            return unsafeBitCast(box, to: KeyedDecodingContainer<Key>.self)
        }
        let made = make()
        keyType = ObjectIdentifier(Key.self)
        box = unsafeBitCast(made, to: AnyObject.self)
        return made
    }
}

/// The top-level object's keyed encoding container, made once per `CodingKeys` type: the
/// same saving as ``ReusedKeyedContainer`` on the write side.
struct ReusedKeyedEncodingContainer {
    private var keyType: ObjectIdentifier?
    private var box: AnyObject?

    /// The container for `Key` of the top-level object (depth 1, empty coding path).
    mutating func container<Key: CodingKey>(keyedBy type: Key.Type, state: JSONWriterState) -> KeyedEncodingContainer<Key> {
        guard ContainerLayout.isSingleReference else {
            return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(state: state, depth: 1, codingPath: []))
        }
        if keyType == ObjectIdentifier(Key.self), let box {
            return unsafeBitCast(box, to: KeyedEncodingContainer<Key>.self)
        }
        let made = KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(state: state, depth: 1, codingPath: []))
        keyType = ObjectIdentifier(Key.self)
        box = unsafeBitCast(made, to: AnyObject.self)
        return made
    }
}

/// Whether the standard library's keyed containers are a single reference to their box, as
/// the reuse above assumes; checked once, on a concrete key type.
enum ContainerLayout {
    static let isSingleReference = MemoryLayout<KeyedDecodingContainer<IndexKey>>.size == MemoryLayout<AnyObject>.size
        && MemoryLayout<KeyedEncodingContainer<IndexKey>>.size == MemoryLayout<AnyObject>.size
}

/// Decodes `Decodable` values from JSON text held in bytes, several times faster than
/// Foundation's `JSONDecoder`: the text is parsed once into a flat tape without creating
/// strings, and buffers are reused from one call to the next.
///
/// Dates decode from ISO 8601 strings or from numbers of seconds since 1970; `Decimal`s from
/// their exact text. Errors are `DecodingError`s whose coding path names the field.
///
/// ```swift
/// let decoder = JSONRecordDecoder()
/// let event = try decoder.decode(Event.self, from: #"{"user":"u1","amount":12.5}"#)
/// ```
///
/// An instance is not thread-safe: use one per task.
import Foundation
import SluiceCore

public final class JSONRecordDecoder {
    @usableFromInline let storage = JSONDecodingStorage()

    /// Creates a decoder.
    public init() {}

    // The reused top-level decoder and container refer to the storage, which refers to them.
    deinit { storage.releaseReused() }

    /// Decodes a value from the JSON text in `bytes`.
    @inlinable public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        try storage.load(bytes)
        if T.self == Date.self || T.self == Decimal.self || T.self == Record.self || T.self == Value.self {
            return try JSONDecodingSupport.decode(T.self, node: 0, storage, [])
        }
        return try T(from: storage.rootDecoder)
    }

    /// Decodes a value from JSON text.
    @inlinable public func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        var text = text
        return try text.withUTF8 { try decode(T.self, from: UnsafeRawBufferPointer($0)) }
    }
}

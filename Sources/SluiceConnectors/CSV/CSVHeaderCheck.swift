import Foundation
import SluiceCore

/// Finds a column that a `Decodable` type requires and a CSV header lacks, before any row is
/// read: so that a file whose header does not fit the type is reported even when it has no
/// data rows, instead of yielding nothing and no error.
///
/// It runs the type's `init(from:)` against a decoder that knows only the header: present
/// columns answer with neutral values, absent ones are `nil` for optional properties and a
/// finding for required ones. A property whose type cannot be probed (a custom type read
/// from text) ends the check without a finding; its rows are still checked one by one.
@usableFromInline enum CSVHeaderCheck {
    /// The first required column missing from `header`, or `nil`.
    @usableFromInline static func missingColumn<T: Decodable>(of type: T.Type, in header: [String]) -> String? {
        let probe = Probe(header: Set(header))
        do {
            _ = try T(from: probe)
        } catch let stop as Stop {
            if case .missing(let name) = stop { return name }
        } catch {}
        return nil
    }

    enum Stop: Error {
        case missing(String)
        case inconclusive
    }

    final class Probe: Decoder {
        let header: Set<String>
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        init(header: Set<String>) { self.header = header }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            KeyedDecodingContainer(Container<Key>(header: header))
        }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Stop.inconclusive }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { throw Stop.inconclusive }
    }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let header: Set<String>
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { header.compactMap(Key.init(stringValue:)) }

        func contains(_ key: Key) -> Bool { header.contains(key.stringValue) }
        func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }

        private func present(_ key: Key) throws {
            guard contains(key) else { throw Stop.missing(key.stringValue) }
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try present(key); return false }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try present(key); return "" }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try present(key); return 0 }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try present(key); return 0 }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try present(key); return 0 }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try present(key); return 0 }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try present(key); return 0 }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try present(key); return 0 }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try present(key); return 0 }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try present(key); return 0 }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try present(key); return 0 }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try present(key); return 0 }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try present(key); return 0 }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try present(key); return 0 }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try present(key)
            if T.self == Date.self { return Date(timeIntervalSince1970: 0) as! T }
            if T.self == Decimal.self { return Decimal(0) as! T }
            if T.self == Value.self { return Value.null as! T }
            throw Stop.inconclusive
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey> { throw Stop.inconclusive }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { throw Stop.inconclusive }
        func superDecoder() throws -> any Decoder { throw Stop.inconclusive }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Stop.inconclusive }
    }
}

import Foundation
import Sluice
import Testing
@testable import SluicePostgres

/// The fast COPY row encoder against the general path (named fields, then text), on random
/// elements of every type a row may hold: the same text, and the general path taken for
/// elements whose fields do not come in the columns' order.
@Suite struct CopyRowEncoderTests {
    enum Tier: String, Codable { case gold, silver }
    struct Address: Codable { var city: String; var lines: [String] }
    struct Wide: Codable {
        var id: Int64; var small: Int8; var unsigned: UInt64; var flag: Bool; var ratio: Double; var single: Float
        var name: String; var note: String?; var amount: Decimal; var at: Date; var ref: UUID; var blob: Data
        var tier: Tier; var address: Address?; var tags: [String]; var scores: [Int]; var extra: Value; var count: Int?
    }

    static func randomText(_ generator: inout some RandomNumberGenerator) -> String {
        let pieces = ["a", "Zürich", "\t", "\n", "\r", "\\", "\"", "'", " ", "N", "日本", "🙂", "\\N", ","]
        return (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    static func randomWide(_ generator: inout some RandomNumberGenerator) -> Wide {
        let doubles: [Double] = [0, -0.0, 1.5, .nan, .infinity, -.infinity, 1e300, .leastNonzeroMagnitude, Double.random(in: -1e6...1e6, using: &generator)]
        return Wide(id: Int64.random(in: .min ... .max, using: &generator), small: Int8.random(in: .min ... .max, using: &generator),
                    unsigned: UInt64.random(in: 0 ... .max, using: &generator), flag: Bool.random(using: &generator),
                    ratio: doubles.randomElement(using: &generator)!, single: Float.random(in: -1000...1000, using: &generator),
                    name: randomText(&generator), note: Bool.random(using: &generator) ? nil : randomText(&generator),
                    amount: Decimal(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: Int.random(in: -10...10, using: &generator),
                                    significand: Decimal(UInt64.random(in: 0 ... .max, using: &generator))),
                    at: Date(timeIntervalSince1970: Double(Int64.random(in: -5_000_000_000...5_000_000_000, using: &generator)) / 1000),
                    ref: UUID(), blob: Data((0..<Int.random(in: 0...6, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }),
                    tier: Bool.random(using: &generator) ? .gold : .silver,
                    address: Bool.random(using: &generator) ? nil : Address(city: randomText(&generator), lines: [randomText(&generator)]),
                    tags: (0..<Int.random(in: 0...3, using: &generator)).map { _ in randomText(&generator) },
                    scores: [Int.random(in: -9...9, using: &generator)], extra: [.int(1), .string(randomText(&generator)), .null].randomElement(using: &generator)!,
                    count: Bool.random(using: &generator) ? nil : Int.random(in: -5...5, using: &generator))
    }

    @Test func theFastPathWritesWhatTheGeneralPathWrites() throws {
        var generator = SystemRandomNumberGenerator()
        let first = Self.randomWide(&generator)
        let columns = try PostgresRowEncoder.fields(of: first).map(\.name)
        // tags is an array column; scores a JSON one.
        let encoder = PostgresCopyRowEncoder(columns: columns, isKey: columns.map { $0 == "id" }, isArray: columns.map { $0 == "tags" })
        for _ in 0..<3_000 {
            let element = Self.randomWide(&generator)
            let general = try encoder.generalText(of: try PostgresRowEncoder.fields(of: element))
            let fast = try encoder.encode(element)
            #expect(fast == general, "\(String(decoding: fast, as: UTF8.self)) != \(String(decoding: general, as: UTF8.self))")
        }
    }

    @Test func fieldsInAnotherOrderOrARecordTakeTheGeneralPath() throws {
        struct Reordered: Encodable { var name: String; var id: Int }
        let encoder = PostgresCopyRowEncoder(columns: ["id", "name"], isKey: [true, false], isArray: [false, false])
        #expect(throws: PostgresCopyRowEncoder.NotInColumnOrder.self) { try encoder.encode(Reordered(name: "x", id: 1)) }
        #expect(throws: PostgresCopyRowEncoder.NotInColumnOrder.self) { try encoder.encode(Record([("id", .int(1)), ("name", .string("x"))])) }
        #expect(try encoder.generalText(of: try PostgresRowEncoder.fields(of: Reordered(name: "a\tb", id: 7))) == Array("7\ta\\tb".utf8))
        // A field the columns do not have is refused, never dropped; an ignored one is left out.
        #expect(throws: RecordError.self) {
            try encoder.generalText(of: [("name", .text("a")), ("id", .text("1")), ("extra", .text("lost?"))])
        }
        let history = PostgresCopyRowEncoder(columns: ["id", "name"], isKey: [true, false], isArray: [false, false], ignoredFields: ["valid_from"])
        #expect(try history.generalText(of: [("name", .text("a")), ("valid_from", .null), ("id", .text("1"))]) == Array("1\ta".utf8))
        struct NullKey: Encodable { var id: Int?; var name: String }
        #expect(throws: RecordError.self) { try encoder.encode(NullKey(id: nil, name: "x")) }
    }

    @Test func escapingCopiesOrdinaryRunsAndEscapesWhatCOPYReserves() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = Self.randomText(&generator)
            var expected: [UInt8] = []
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): expected += Array("\\\\".utf8)
                case UInt8(ascii: "\t"): expected += Array("\\t".utf8)
                case UInt8(ascii: "\n"): expected += Array("\\n".utf8)
                case UInt8(ascii: "\r"): expected += Array("\\r".utf8)
                default: expected.append(byte)
                }
            }
            var line: [UInt8] = [1, 2]
            PostgresCopyText.appendEscaped(text, to: &line)
            #expect(line == [1, 2] + expected, "\(text)")
        }
    }

    @Test func aSuperclassEncodedIntoASuperEncoderIsAnErrorNotLostFields() throws {
        class Base: Encodable { var id = 1 }
        final class Derived: Base {
            var name = "x"
            enum Keys: String, CodingKey { case name }
            override func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(name, forKey: .name)
                try super.encode(to: container.superEncoder())
            }
        }
        #expect(throws: RecordError.self) { try PostgresRowEncoder.fields(of: Derived()) }
        let encoder = PostgresCopyRowEncoder(columns: ["name"], isKey: [false], isArray: [false])
        #expect(throws: RecordError.self) { try encoder.text(of: Derived()) }
    }
}

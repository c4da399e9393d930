import Foundation
import Testing
@testable import SluiceCore
import Sluice

struct Event: Codable, Equatable, Sendable {
    var user: String
    var ts: Int64
    var amount: Double
    var country: String
}

@Suite struct JSONRecordDecoderTests {
    let decoder = JSONRecordDecoder()

    @Test func decodesAFlatRecord() throws {
        let event = try decoder.decode(Event.self, from: #"{"user":"u00042","ts":1767225600123,"amount":12.34,"country":"DE"}"#)
        #expect(event == Event(user: "u00042", ts: 1_767_225_600_123, amount: 12.34, country: "DE"))
    }

    @Test func decodesNestedValuesArraysAndOptionals() throws {
        struct Line: Codable, Equatable { var sku: String; var qty: Int }
        struct Order: Codable, Equatable {
            var id: Int; var lines: [Line]; var note: String?; var tags: [String]?; var flags: [Bool]
        }
        let order = try decoder.decode(Order.self, from: #" { "id": 7, "lines": [{"sku":"a","qty":2}, {"qty":1,"sku":"b"}], "note": null, "flags": [true,false] } "#)
        #expect(order == Order(id: 7, lines: [Line(sku: "a", qty: 2), Line(sku: "b", qty: 1)], note: nil, tags: nil, flags: [true, false]))
    }

    @Test func decodesUnicodeAndEscapes() throws {
        struct Text: Decodable { var s: String }
        #expect(try decoder.decode(Text.self, from: #"{"s":"caf\u00e9 \ud83d\ude00 \"q\" \\ \n\t/"}"#).s == "café 😀 \"q\" \\ \n\t/")
        #expect(try decoder.decode(Text.self, from: #"{"s":"Grüße, 東京 🚀"}"#).s == "Grüße, 東京 🚀")
        #expect(try decoder.decode(Text.self, from: #"{"s\u0020":"x","s":"y"}"#).s == "y")
    }

    @Test func decodesDatesDecimalsAndEnums() throws {
        enum Tier: String, Codable { case gold, silver }
        struct Row: Decodable { var at: Date; var epoch: Date; var price: Decimal; var tier: Tier }
        let row = try decoder.decode(Row.self, from: #"{"at":"2026-11-21T08:30:00.5+01:00","epoch":86400,"price":19.99,"tier":"gold"}"#)
        #expect(row.at.timeIntervalSince1970 == 1_795_246_200.5)  // 07:30:00.5 UTC
        #expect(row.epoch.timeIntervalSince1970 == 86_400)
        #expect(row.price == Decimal(string: "19.99"))
        #expect(row.tier == .gold)
    }

    @Test func agreesWithFoundationOnRandomRecords() throws {
        var generator = SystemRandomNumberGenerator()
        let foundation = JSONEncoder()
        for _ in 0..<500 {
            let event = Event(user: "u" + String(Int.random(in: 0..<100_000, using: &generator)),
                              ts: Int64.random(in: -1_000_000_000_000...2_000_000_000_000, using: &generator),
                              amount: Double.random(in: -1e6...1e6, using: &generator),
                              country: ["DE", "FR", "\u{1F1E9}\u{1F1EA}", "a\"b"].randomElement(using: &generator)!)
            let text = String(decoding: try foundation.encode(event), as: UTF8.self)
            #expect(try decoder.decode(Event.self, from: text) == event, "\(text)")
        }
    }

    @Test func errorsNameTheField() throws {
        #expect {
            try decoder.decode(Event.self, from: #"{"user":"u","ts":1,"amount":"12,5","country":"DE"}"#)
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["amount"] && context.debugDescription.contains("\"12,5\"")
        }
        #expect {
            try decoder.decode(Event.self, from: #"{"user":"u","ts":1,"country":"DE"}"#)
        } throws: { error in
            guard case DecodingError.keyNotFound(let key, _) = error else { return false }
            return key.stringValue == "amount"
        }
        #expect {
            try decoder.decode(Event.self, from: #"{"user":"u","ts":1e30,"amount":1,"country":"DE"}"#)
        } throws: { error in "\(error)".contains("does not fit") }
    }

    @Test func rejectsInvalidJSONWithAColumn() {
        for (text, fragment) in [(#"{"user": }"#, "column 10"), (#"{"a":1"#, "unterminated object"),
                                 ("", "empty input"), (#"{"a":01}"#, "leading zero"), (#"{"a":1} x"#, "after the value"),
                                 (#"{"a":"\x"}"#, "invalid escape")] {
            #expect(throws: (any Error).self, "\(text)") { try decoder.decode([String: Int].self, from: text) }
            do { _ = try decoder.decode([String: String].self, from: text) } catch {
                #expect("\(error)".contains(fragment), "\(text): \(error)")
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try decoder.decode([Int].self, from: text) }
    }

    @Test func arraysMixingScalarsAndContainersDecodeInOrder() throws {
        struct Item: Codable, Equatable { var id: Int; var tags: [String?] }
        let text = #"[ {"id":1,"tags":["a\"],", null ,"\u00e9"]} , null,{"id":2,"tags":[ ]} ]"#
        #expect(try decoder.decode([Item?].self, from: text)
                 == [Item(id: 1, tags: ["a\"],", nil, "é"]), nil, Item(id: 2, tags: [])])
        #expect(try decoder.decode([[Int]].self, from: "[[1, 2] ,[], [ -3e0 ]]") == [[1, 2], [], [-3]])
        #expect(try decoder.decode([Bool?].self, from: "[true,null , false]") == [true, nil, false])
        #expect(throws: DecodingError.self) { try self.decoder.decode([Int].self, from: #"[1,"2"]"#) }
    }

    @Test func listsOfNumbersAreReadCompactlyAndMixedListsKeepEachKind() throws {
        let record = try decoder.decode(Record.self, from: #"{"n":[1,-2,3],"x":[0.5,1e2],"m":[1,2.5,"t"],"e":[]}"#)
        guard case .array(let whole)? = record["n"], case .integers(let integers) = whole.storage,
              case .array(let doubles)? = record["x"], case .doubles = doubles.storage else {
            Issue.record("not compact: \(record)")
            return
        }
        #expect(integers == [1, -2, 3])
        #expect(record["x"] == .array([.double(0.5), .double(100)]))
        #expect(record["m"] == .array([.int(1), .double(2.5), .string("t")]))
        #expect(record["e"] == .array([]))
    }

    /// Random nested values with random spacing: the decoder agrees with Foundation's, for
    /// typed and schema-less reads alike.
    @Test func randomNestedArraysAgreeWithFoundation() throws {
        var random = SplitMix64(seed: 42)
        func space() -> String { ["", " ", "\n", "\t "].randomElement(using: &random)! }
        func scalar() -> String {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return String(Int.random(in: -1_000_000...1_000_000, using: &random))
            case 1: return "-0.25"
            case 2: return ["\"x\"", #""q\"uo\\te""#, "\"\\u0041\"", "\"ü\""].randomElement(using: &random)!
            case 3: return "true"
            case 4: return "false"
            default: return "null"
            }
        }
        func value(_ depth: Int) -> String {
            guard depth < 4 else { return scalar() }
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                let elements = (0..<Int.random(in: 0..<5, using: &random)).map { _ in space() + value(depth + 1) + space() }
                return "[" + elements.joined(separator: ",") + "]"
            case 1:
                let members = (0..<Int.random(in: 0..<4, using: &random)).map { index in
                    space() + "\"k\(index)\"" + space() + ":" + space() + value(depth + 1) + space()
                }
                return "{" + members.joined(separator: ",") + "}"
            default: return scalar()
            }
        }
        let foundation = JSONDecoder()
        for _ in 0..<300 {
            let text = "[" + (0..<Int.random(in: 0..<6, using: &random)).map { _ in space() + value(0) }.joined(separator: ",") + "]"
            let ours = try decoder.decode([Value].self, from: text)
            let theirs = try foundation.decode([Value].self, from: Data(text.utf8))
            #expect(ours.map(sortedFields) == theirs.map(sortedFields), "\(text)")
            #expect(try decoder.decode(Value.self, from: text) == .array(ours), "\(text)")
        }
    }

    /// Foundation keeps an object's members in a dictionary, so only their set is compared.
    private func sortedFields(_ value: Value) -> Value {
        switch value {
        case .array(let values): return .array(values.map(sortedFields))
        case .record(let record):
            return .record(Record(record.fields.map { ($0.name, sortedFields($0.value)) }.sorted { $0.0 < $1.0 }))
        default: return value
        }
    }

    @Test func decodesHugeValues() throws {
        struct Blob: Decodable { var data: String; var n: [Int] }
        let big = String(repeating: "é", count: 1_000_000)
        let numbers = (0..<10_000).map(String.init).joined(separator: ",")
        let blob = try decoder.decode(Blob.self, from: #"{"data":"\#(big)","n":[\#(numbers)]}"#)
        #expect(blob.data.count == 1_000_000)
        #expect(blob.n.count == 10_000)
    }
}

@Suite struct JSONRecordEncoderTests {
    let encoder = JSONRecordEncoder()

    @Test func writesCompactJSONThatFoundationReads() throws {
        struct Nested: Codable, Equatable {
            var name: String; var values: [Double]; var child: Event?; var map: [String: Int]; var missing: Int?
        }
        let value = Nested(name: "tab\there \"quoted\" \u{1}", values: [12.34, 0.1 + 0.2, -3, 1e300, 5e-7],
                           child: Event(user: "ü", ts: -5, amount: 0, country: "JP"), map: ["a": 1], missing: nil)
        let text = try encoder.encode(value)
        #expect(text.hasPrefix(#"{"name":"tab\there \"quoted\" \u0001","values":[12.34,0.30000000000000004,-3.0,"#))
        #expect(!text.contains("missing"))
        #expect(try JSONDecoder().decode(Nested.self, from: Data(text.utf8)) == value)
        #expect(try JSONRecordDecoder().decode(Nested.self, from: text) == value)
    }

    @Test func roundTripsRandomDoublesExactly() throws {
        struct Box: Codable, Equatable { var x: Double }
        for _ in 0..<2_000 {
            let box = Box(x: Double(bitPattern: UInt64.random(in: 0...UInt64.max)))
            guard box.x.isFinite else { continue }
            #expect(try JSONRecordDecoder().decode(Box.self, from: encoder.encode(box)) == box)
        }
        #expect(try encoder.encode(Box(x: 12.5)) == #"{"x":12.5}"#)
    }

    @Test func nonFiniteNumbersAreAnError() {
        #expect(throws: EncodingError.self) { try encoder.encode(["x": Double.nan]) }
    }

    @Test func emptyValuesAreWrittenAsEmptyContainers() throws {
        struct Empty: Codable {}
        #expect(try encoder.encode(Empty()) == "{}")
        #expect(try encoder.encode([Int]()) == "[]")
        #expect(try encoder.encode(["a": [Int]()]) == #"{"a":[]}"#)
    }

    /// A nested object's last key lookup must not steer the lookups of the object around it:
    /// the members after a nested object with more members than were read were once missed.
    @Test func findsMembersAfterANestedObjectWhoseMembersWereReadInPart() throws {
        struct Outer: Decodable, Equatable {
            var a: Inner
            var b: Int
            var c: String?
            struct Inner: Decodable, Equatable { var x: Int? }
        }
        let decoder = JSONRecordDecoder()
        let shapes = [
            #"{"a":{"x":1,"e":{},"f":2},"b":3,"c":"z"}"#,
            #"{"a":{"x":1,"e":{"g":{"h":1}},"f":2,"k":[1,{"m":2}]},"b":3,"c":"z"}"#,
            #"{"c":"z","a":{"f":2,"x":1,"e":{}},"b":3}"#,
            #"{"a":{"e":{},"f":2,"x":1},"c":"z","b":3}"#,
        ]
        for text in shapes {
            let expected = try JSONDecoder().decode(Outer.self, from: Data(text.utf8))
            #expect(try decoder.decode(Outer.self, from: text) == expected, "\(text)")
        }
    }
}

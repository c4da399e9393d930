import Foundation
import Testing
@testable import SluiceConnectors
import SluiceCore

/// The codecs' fast paths compared with the straightforward way on random inputs.
@Suite struct JSONCodecFastPathTests {
    /// Escaping byte by byte: the reference for the word-at-a-time scan.
    static func escapedStraightforwardly(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case ..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        return out + [0x22]
    }

    @Test func stringEscapingMatchesTheByteByByteWayOnRandomText() throws {
        var random = SplitMix64(seed: 11)
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "\n", "\r", "\t", "\u{01}", "\u{1F}", "\u{7F}", "é", "東", "🚀", "/"]
        var writer = ByteWriter(capacity: 16)
        defer { writer.free() }
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &random)
            // Mostly plain text, as in data, with a special character now and then.
            let text = String((0..<length).map { _ in
                Int.random(in: 0..<5, using: &random) == 0 ? alphabet.randomElement(using: &random)! : "x"
            })
            writer.count = 0
            var copy = text
            copy.withUTF8 { JSONStringEscaping.write(UnsafeRawBufferPointer($0), to: &writer) }
            #expect(Array(writer.bytes) == Self.escapedStraightforwardly(text), "\(text.debugDescription)")
        }
    }

    @Test func everySpecialByteIsFoundAtEveryPlaceInAWord() {
        for special: UInt8 in Array(0..<0x20) + [0x22, 0x5C] {
            for place in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[place] = special
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(JSONStringEscaping.mayNeedEscape(word), "byte \(special) at \(place)")
            }
        }
        let plain = Array("abc~é/AZ".utf8.prefix(8)).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(!JSONStringEscaping.mayNeedEscape(plain))
    }

    @Test func doublesAreWrittenSoThatTheyReadBackExactly() throws {
        var random = SplitMix64(seed: 5)
        let encoder = JSONRecordEncoder()
        struct Box: Codable { var x: Double }
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 0.30000000000000004, 1e15, 9e15, 123456.789, -0.001, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, 1.5e300, 2.5e-300]
        for _ in 0..<100_000 {
            switch Int.random(in: 0..<3, using: &random) {
            case 0: values.append(Double(Int.random(in: -10_000_000...10_000_000, using: &random)) / 100)
            case 1: values.append(Double.random(in: -1e6...1e6, using: &random))
            default: values.append(Double(bitPattern: random.next()))
            }
        }
        for value in values where value.isFinite {
            let text = try encoder.encode(Box(x: value))
            let written = String(text.dropFirst(5).dropLast())
            #expect(Double(written)?.bitPattern == value.bitPattern, "\(value) written as \(written)")
        }
    }

    @Test func reusedTopLevelContainersServeAlternatingTypes() throws {
        struct A: Codable, Equatable { var a: Int; var s: String }
        struct B: Codable, Equatable { var b: [Int]; var inner: A }
        let decoder = JSONRecordDecoder()
        let encoder = JSONRecordEncoder()
        for round in 0..<50 {
            let a = A(a: round, s: "r\(round)")
            let b = B(b: [round, round + 1], inner: a)
            #expect(try decoder.decode(A.self, from: encoder.encode(a)) == a)
            #expect(try decoder.decode(B.self, from: encoder.encode(b)) == b)
            #expect(try encoder.encode(b) == #"{"b":[\#(round),\#(round + 1)],"inner":{"a":\#(round),"s":"r\#(round)"}}"#)
        }
    }

    /// Top-level keys are remembered from the record before; records whose keys come and go
    /// (optionals left out, another type in between) are still written with their own keys.
    @Test func keysThatComeAndGoAreWrittenAsTheyAre() throws {
        struct Sparse: Codable, Equatable { var a: Int?; var b: String?; var c: Double?; var d: [Int]? }
        struct Other: Codable, Equatable { var b: Int; var a: String }
        var random = SplitMix64(seed: 12)
        let encoder = JSONRecordEncoder()
        for _ in 0..<2_000 {
            let sparse = Sparse(a: Bool.random(using: &random) ? 1 : nil, b: Bool.random(using: &random) ? "x\"y" : nil,
                                c: Bool.random(using: &random) ? 2.5 : nil, d: Bool.random(using: &random) ? [1, 2] : nil)
            let text = try encoder.encode(sparse)
            #expect(try JSONDecoder().decode(Sparse.self, from: Data(text.utf8)) == sparse, "\(text)")
            #expect(text.filter { $0 == ":" }.count == [sparse.a != nil, sparse.b != nil, sparse.c != nil, sparse.d != nil].filter { $0 }.count)
            if Bool.random(using: &random) {
                #expect(try encoder.encode(Other(b: 3, a: "q")) == #"{"b":3,"a":"q"}"#)
            }
        }
    }

    /// Strings are scanned eight bytes at a time while they are plain ASCII: every special
    /// byte at every place, in strings of every length, is still found where it is.
    @Test func stringScanningFindsEverySpecialByteAtEveryPlace() throws {
        struct Box: Codable, Equatable { var s: String }
        let decoder = JSONRecordDecoder()
        let encoder = JSONEncoder()
        var random = SplitMix64(seed: 21)
        let specials: [Character] = ["\"", "\\", "\n", "\u{01}", "é", "🚀", "/"]
        for length in 0...40 {
            for place in 0...length {
                var characters = (0..<length).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &random))) }
                characters.insert(specials.randomElement(using: &random)!, at: place)
                let box = Box(s: String(characters))
                let text = String(decoding: try encoder.encode(box), as: UTF8.self)
                #expect(try decoder.decode(Box.self, from: text) == box, "\(text)")
                // A raw control character is an error at its own column.
                var raw = Array(#"{"s":""#.utf8) + Array(String(characters.prefix(place)).utf8)
                let column = raw.count + 1
                raw += [0x01] + Array(String(characters.dropFirst(place)).utf8) + Array(#""}"#.utf8)
                do {
                    _ = try raw.withUnsafeBytes { try decoder.decode(Box.self, from: $0) }
                    Issue.record("accepted a control character")
                } catch {
                    #expect("\(error)".contains("column \(column)"), "\(error)")
                }
            }
        }
    }

    /// Decoders and encoders are let go of: the reused container refers back to their state.
    @Test func codecsAreReleased() throws {
        weak var storage: JSONDecodingStorage?
        do {
            let decoder = JSONRecordDecoder()
            _ = try decoder.decode(Event.self, from: #"{"user":"u","ts":1,"amount":2,"country":"DE"}"#)
            storage = decoder.storage
        }
        #expect(storage == nil)
        weak var state: JSONWriterState?
        do {
            let encoder = JSONRecordEncoder()
            _ = try encoder.encode(Event(user: "u", ts: 1, amount: 2, country: "DE"))
            state = encoder.state
        }
        #expect(state == nil)
    }
}

/// CSV records written as JSON objects: the names escaped once per set of columns give the
/// same text as escaping them for every row.
@Suite struct CSVRecordAsJSONTests {
    @Test func recordsOfChangingColumnsAreWrittenLikeDictionaries() throws {
        let encoder = JSONRecordEncoder()
        let shapes: [[String]] = [["id", "na\"me"], ["a"], [], ["id", "na\"me"], ["x", "y", "z"]]
        var random = SplitMix64(seed: 4)
        for round in 0..<200 {
            let columns = shapes[round % shapes.count]
            let values = columns.map { _ in ["", "plain", "q\"uote\n", "é🚀"].randomElement(using: &random)! }
            let written = try encoder.encode(CSVRecord(columns: columns, values: values))
            var expected = "{"
            for (index, (name, value)) in zip(columns, values).enumerated() {
                if index > 0 { expected += "," }
                expected += String(decoding: JSONCodecFastPathTests.escapedStraightforwardly(name), as: UTF8.self) + ":"
                expected += String(decoding: JSONCodecFastPathTests.escapedStraightforwardly(value), as: UTF8.self)
            }
            #expect(written == expected + "}")
        }
    }
}

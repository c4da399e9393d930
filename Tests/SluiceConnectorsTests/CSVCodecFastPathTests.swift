import Testing
@testable import SluiceConnectors
import SluiceCore

/// The CSV writer's fast paths compared with the straightforward way on random fields.
@Suite struct CSVCodecFastPathTests {
    @Test func theQuotingTestMatchesTheByteByByteWay() {
        var random = SplitMix64(seed: 3)
        let alphabet: [Character] = ["a", ",", ";", "\"", "\n", "\r", " ", "é", "🚀", "\t"]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...30, using: &random)
            let text = String((0..<length).map { _ in
                Int.random(in: 0..<6, using: &random) == 0 ? alphabet.randomElement(using: &random)! : "x"
            })
            for delimiter in [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")] {
                let expected = text.utf8.contains { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
                var copy = text
                let found = copy.withUTF8 { CSVQuoting.needsQuotes(UnsafeRawBufferPointer($0), delimiter: delimiter) }
                #expect(found == expected, "\(text.debugDescription) with delimiter \(delimiter)")
            }
        }
    }

    @Test func oneEncoderServesRowsOfEveryShape() throws {
        struct Row: Encodable { var id: Int; var name: String; var score: Double; var ok: Bool; var note: String? }
        let encoder = CSVRowEncoder()
        for index in 0..<100 {
            let row = Row(id: index, name: "n,\(index)", score: Double(index) / 4, ok: index % 2 == 0, note: index % 3 == 0 ? nil : "x")
            let (names, values) = try encoder.fields(of: row)
            #expect(names == ["id", "name", "score", "ok", "note"])
            #expect(values == ["\(index)", "n,\(index)", "\(Double(index) / 4)", index % 2 == 0 ? "true" : "false", index % 3 == 0 ? "" : "x"])
        }
        struct Bad: Encodable { var x: Double }
        #expect(throws: EncodingError.self) { try encoder.fields(of: Bad(x: .nan)) }
    }

    /// The row decoder keeps its keyed container for the next row; the container does not
    /// keep the decoder alive.
    @Test func theRowDecoderReusesItsContainerAndIsReleased() throws {
        struct Row: Decodable, Equatable { var a: Int; var b: String }
        weak var released: CSVRowDecoder?
        do {
            let parser = CSVParser(reader: ByteBlockReader(bytes: Array("a,b\n1,x\n2,y\n".utf8), name: "t.csv"), delimiter: 0x2C)
            _ = try parser.nextRecord()
            let decoder = CSVRowDecoder(parser: parser, header: CSVHeader(names: ["a", "b"]), options: CSVOptions())
            var rows: [Row] = []
            while try parser.nextRecord() { rows.append(try Row(from: decoder)) }
            #expect(rows == [Row(a: 1, b: "x"), Row(a: 2, b: "y")])
            released = decoder
        }
        #expect(released == nil)
    }
}

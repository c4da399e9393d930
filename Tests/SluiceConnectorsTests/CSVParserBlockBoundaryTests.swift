import Testing
@testable import SluiceConnectors
import SluiceTesting

@Suite struct CSVParserBlockBoundaryTests {
    /// Every record as fields, or the error message, read with a given block size.
    func parse(_ path: String, blockSize: Int) throws -> [String] {
        let parser = CSVParser(reader: try ByteBlockReader(path: path, blockSize: blockSize), delimiter: UInt8(ascii: ","))
        defer { parser.close() }
        var records: [String] = []
        while true {
            do {
                guard try parser.nextRecord() else { break }
                let fields = try (0..<parser.fieldCount).map { try parser.string(at: $0) }
                records.append("\(parser.recordLine): \(fields)")
            } catch {
                records.append("\(parser.recordLine): error \(error) raw \(parser.rawText)")
            }
        }
        return records
    }

    @Test func recordsDoNotDependOnWhereReadsSplitTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = "\u{FEFF}a,b,c\r\n\"x,\"\"y\"\"\",\"multi\r\nline\",\"\"\r\nplain,\"\",end\n\n\"bad\"x,1,2\r\nü,日本,\"🚀\"\"\"\r\nlast,row,\"no newline\""
        let path = try directory.write(text, to: "tricky.csv")
        let reference = try parse(path, blockSize: 1 << 20)
        #expect(reference.count == 6)
        #expect(reference[1] == #"2: ["x,\"y\"", "multi\r\nline", ""]"#)
        #expect(reference[3].hasPrefix("6: error unexpected text after the closing quote"))
        #expect(reference[3].hasSuffix(#"raw "bad"x,1,2"#))
        #expect(reference[5] == #"8: ["last", "row", "no newline"]"#)
        for size in [1, 2, 3, 5, 7] {
            #expect(try parse(path, blockSize: size) == reference, "block size \(size)")
        }
    }
}

@Suite struct LineReaderBlockBoundaryTests {
    func lines(_ path: String, blockSize: Int) throws -> [String] {
        let reader = try ByteBlockReader(path: path, blockSize: blockSize)
        defer { reader.close() }
        var lines: [String] = []
        while let line = try reader.nextLine() { lines.append("\(reader.lineNumber): \(String(decoding: line, as: UTF8.self))") }
        return lines
    }

    @Test func linesDoNotDependOnWhereReadsSplitTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("\u{FEFF}first\r\n\r\nsecond ✓\nthird\r\n" + String(repeating: "x", count: 100) + "\nno newline", to: "lines.txt")
        let reference = try lines(path, blockSize: 1 << 20)
        #expect(reference == ["1: first", "2: ", "3: second ✓", "4: third", "5: " + String(repeating: "x", count: 100), "6: no newline"])
        for size in [1, 2, 3, 4, 5, 7, 64] {
            #expect(try lines(path, blockSize: size) == reference, "block size \(size)")
        }
        let onlyMark = try directory.write("\u{FEFF}", to: "bom.txt")
        #expect(try lines(onlyMark, blockSize: 1).isEmpty)
    }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

/// Random and mutated files through the file sources with `.onError(.deadLetter)`: every
/// input line is a record or part of exactly one dead letter, the counts add up, and a dead
/// letter's raw input is exactly the text it consumed. Seeded, so a failure can be replayed.
@Suite struct InputAccountingPropertyTests {
    static let seeds: [UInt64] = [1, 2, 3, 4, 5, 6, 7, 8]

    // MARK: JSON Lines

    /// A line of JSON: usually a valid object, sometimes damaged.
    static func jsonLine(_ random: inout SplitMix64) -> [UInt8] {
        let pieces = [#""id":\#(random.next() % 1000)"#, #""name":"Zoë \u00e9 \"q\"""#, #""n":-12.5e3"#,
                      #""big":123456789012345678901234567890"#, #""list":[1,"two",null,true,{"x":[]}]"#,
                      #""emoji":"😀 \uD83D\uDE00""#, #""nested":{"a":{"b":"c"}}"#, #""empty":"""#]
        var fields: [String] = []
        for _ in 0..<Int(random.next() % 5) { fields.append(pieces[Int(random.next() % UInt64(pieces.count))]) }
        var bytes = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        if random.next() % 3 == 0 { mutate(&bytes, &random, avoiding: [0x0A]) }
        return bytes
    }

    /// One random change that keeps line breaks where they are: a byte flipped, removed or
    /// inserted, a stray quote or backslash, invalid UTF-8, a cut.
    static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64, avoiding: Set<UInt8>) {
        guard !bytes.isEmpty else { return }
        var position = Int(random.next() % UInt64(bytes.count))
        for _ in 0..<bytes.count where avoiding.contains(bytes[position]) { position = (position + 1) % bytes.count }
        guard !avoiding.contains(bytes[position]) else { return }
        let insertions: [[UInt8]] = [[0x22], [0x5C], [0xFF], [0xC3], [0xED, 0xA0, 0x80], Array(#"\q"#.utf8), Array(#"\uDC00"#.utf8),
                                     [0x2C], Array("\u{0}".utf8), Array("9999999999999999999999".utf8)]
        switch random.next() % 4 {
        case 0: bytes[position] ^= UInt8(1 << (random.next() % 8))
                if avoiding.contains(bytes[position]) { bytes[position] = 0x41 }
        case 1: bytes.remove(at: position)
        case 2: bytes.insert(contentsOf: insertions[Int(random.next() % UInt64(insertions.count))], at: position)
        default: bytes.removeSubrange(position...)
        }
    }

    @Test(arguments: seeds) func everyJSONLinesLineIsARecordOrExactlyOneDeadLetter(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let lineEnd: [UInt8] = seed % 2 == 0 ? [0x0A] : [0x0D, 0x0A]
        var lines: [[UInt8]] = []
        for _ in 0..<400 { lines.append(random.next() % 40 == 0 ? [] : Self.jsonLine(&random)) }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = lines.map { $0 + lineEnd }.joined()
        let path = try directory.write(bytes: Array(file), to: "in.jsonl")
        let result = try await SourceHarness.readAll(Source.jsonLines(path).onError(.deadLetter), chunkSize: 7)

        let counted = lines.enumerated().filter { !$0.element.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        #expect(result.elements.count + result.deadLetters.count == counted.count, "seed \(seed)")
        var byLine: [Int: String] = [:]
        for (index, record) in result.elements.enumerated() {
            let line = try #require(record.origin?.line, "record \(index) has no line")
            #expect(byLine.updateValue("record", forKey: line) == nil, "line \(line) twice")
        }
        for letter in result.deadLetters {
            let line = try #require(letter.location?.line)
            #expect(byLine.updateValue("dead letter", forKey: line) == nil, "line \(line) twice")
            // The raw input is the line, exactly.
            #expect(letter.rawInput == String(decoding: lines[line - 1], as: UTF8.self), "seed \(seed) line \(line)")
            #expect(!letter.error.contains("no known kind"))
        }
        #expect(Set(byLine.keys) == Set(counted.map { $0.offset + 1 }), "seed \(seed)")
        // Following the file as it grows gives the same records and dead letters.
        if seed <= 2 {
            let followed = try await SourceHarness.readAll(
                Source.followJSONLines(path, as: Record.self, pollEvery: .milliseconds(5), endAfterIdle: .milliseconds(30)).onError(.deadLetter))
            #expect(followed.elements == result.elements)
            #expect(followed.elements.map { $0.origin?.line } == result.elements.map { $0.origin?.line })
            #expect(followed.deadLetters.map(\.rawInput) == result.deadLetters.map(\.rawInput))
            #expect(followed.deadLetters.map { $0.location?.line } == result.deadLetters.map { $0.location?.line })
        }
        // What was accepted is JSON that Foundation reads too.
        for record in result.elements {
            let line = lines[record.origin!.line! - 1]
            #expect((try? JSONSerialization.jsonObject(with: Data(line))) != nil, "accepted: \(String(decoding: line, as: UTF8.self))")
        }
    }

    // MARK: CSV

    /// A CSV row of three fields, with its expected values; fields may be quoted, hold the
    /// delimiter, doubled quotes or line breaks.
    static func csvRow(_ random: inout SplitMix64, lineEnd: String) -> (text: String, values: [String]) {
        var texts: [String] = [], values: [String] = []
        for _ in 0..<3 {
            switch random.next() % 6 {
            case 0: texts.append(""); values.append("")
            case 1: texts.append("plain\(random.next() % 100)"); values.append("plain" + texts.last!.dropFirst(5))
            case 2: texts.append("\"a, b\""); values.append("a, b")
            case 3: texts.append("\"say \"\"hi\"\"\""); values.append("say \"hi\"")
            case 4: texts.append("\"two" + lineEnd + "lines\""); values.append("two" + lineEnd + "lines")
            default: texts.append("Zoë 東京"); values.append("Zoë 東京")
            }
        }
        return (texts.joined(separator: ","), values)
    }

    @Test(arguments: seeds) func everyCSVRowIsARecordOrPartOfExactlyOneDeadLetter(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let lineEnd = ["\n", "\r\n", "\r"][Int(seed % 3)]
        let terminator = Array(lineEnd.utf8)
        // Rows as bytes, the lines each occupies, and whether it was damaged.
        var rows: [(bytes: [UInt8], values: [String], first: Int, last: Int, mutated: Bool)] = []
        var nextLine = 2
        for _ in 0..<300 {
            let row = Self.csvRow(&random, lineEnd: lineEnd)
            var bytes = Array(row.text.utf8)
            let mutated = random.next() % 6 == 0
            if mutated { Self.mutate(&bytes, &random, avoiding: [0x0A, 0x0D]) }
            let breaks = bytes.indices.filter { index in
                lineEnd == "\r\n" ? bytes[index] == 0x0A : bytes[index] == terminator[0]
            }.count
            rows.append((bytes, row.values, nextLine, nextLine + breaks, mutated))
            nextLine += breaks + 1
        }
        let fileBytes = Array("a,b,c".utf8) + terminator + rows.map { $0.bytes + terminator }.joined()
        let physicalLines = String(decoding: fileBytes, as: UTF8.self).components(separatedBy: lineEnd)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(bytes: fileBytes, to: "in.csv")
        let result = try await SourceHarness.readAll(Source.csvRecords(path).onError(.deadLetter), chunkSize: 5)
        let asRecords = try await SourceHarness.readAll(Source.csv(path).onError(.deadLetter), chunkSize: 5)
        let recordLines = asRecords.elements.map { $0.origin?.line ?? 0 }
        // Following the file as it grows gives the same records and dead letters (LF files:
        // a followed file is read by lines).
        if lineEnd == "\n" {
            let followed = try await SourceHarness.readAll(
                Source.followCSV(path, as: Record.self, pollEvery: .milliseconds(5), endAfterIdle: .milliseconds(30)).onError(.deadLetter))
            #expect(followed.elements == asRecords.elements, "seed \(seed)")
            #expect(followed.elements.map { $0.origin?.line } == recordLines, "seed \(seed)")
            #expect(followed.deadLetters.map(\.rawInput) == asRecords.deadLetters.map(\.rawInput), "seed \(seed)")
        }

        // Items in file order: records (start line) and dead letters (start line, lines spanned).
        enum Item { case record(Int, CSVRecord); case deadLetter(Int, Int, DeadLetter) }
        var items: [(start: Int, item: Item)] = []
        #expect(recordLines.count == result.elements.count)
        for (line, record) in zip(recordLines, result.elements) { items.append((line, .record(line, record))) }
        for letter in result.deadLetters {
            let start = try #require(letter.location?.line)
            let spanned = letter.rawInput.components(separatedBy: lineEnd).count
            items.append((start, .deadLetter(start, spanned, letter)))
        }
        items.sort { $0.start < $1.start }
        // Every physical line after the header belongs to exactly one item: a record spans
        // the lines up to the next item, a dead letter the lines of its raw input, which is
        // exactly the file's text there. (A stray quote may pair with one in a later row, so
        // items need not start where the generator's rows do.)
        let rowStarts = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($0.element.first, $0.offset) })
        var line = 2
        // Blank lines between records are skipped, as documented (the file has three columns).
        func skipBlankLines() { while line < nextLine, physicalLines[line - 1].isEmpty { line += 1 } }
        for (position, entry) in items.enumerated() {
            skipBlankLines()
            #expect(entry.start == line, "seed \(seed): line \(line) is in no item, or in two (next item starts on \(entry.start))")
            let nextStart = position + 1 < items.count ? items[position + 1].start : nextLine
            switch entry.item {
            case .deadLetter(let start, let spanned, let letter):
                let end = start + spanned - 1
                #expect(end < nextStart, "seed \(seed): the dead letter at \(start) overlaps the next item")
                #expect(letter.rawInput == physicalLines[(start - 1)...(end - 1)].joined(separator: lineEnd),
                        "seed \(seed): raw input of the dead letter at \(start)")
                line = end + 1
            case .record(let start, let record):
                // Read from a row's own start to its own end, an undamaged row is read exactly.
                if let row = rowStarts[start], rows[row].last == nextStart - 1, !rows[row].mutated {
                    #expect(record.values == rows[row].values, "seed \(seed): row on line \(start)")
                }
                line = nextStart
            }
        }
        let tail = items.suffix(2).map { entry -> String in
            switch entry.item {
            case .record(let start, let record): return "record \(start) \(record.values)"
            case .deadLetter(let start, let spanned, let letter): return "dead \(start) \(spanned) \(letter.rawInput.debugDescription) \(letter.error)"
            }
        }
        skipBlankLines()
        #expect(line == nextLine, "seed \(seed): lines \(line)… are in no item; last: \(tail); file: \(physicalLines.suffix(3))")
        #expect(result.elements.count + result.deadLetters.count == items.count)
        // Damage stays local: most undamaged rows are still records of their own.
        let intact = items.filter { entry in
            guard case .record(let start, _) = entry.item, let row = rowStarts[start] else { return false }
            return !rows[row].mutated
        }.count
        #expect(intact >= rows.filter { !$0.mutated }.count * 3 / 4, "seed \(seed): \(intact) intact rows")
    }
}

import Foundation
import Testing
@testable import SluiceConnectors
import SluiceCore
import SluiceTesting

/// Files read by parallel instances in byte ranges: the ranges are cut at record starts, and
/// the records read equal a sequential read's, whatever the cuts and however a checkpoint
/// is resumed.
@Suite struct ParallelFileSplitTests {
    // MARK: Random files

    /// JSON Lines with blank lines, CRLF line ends, Unicode, malformed lines and no final newline.
    static func randomJSONLines(_ random: inout SplitMix64, lines: Int) -> String {
        var text = ""
        for index in 0..<lines {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: text += "\n"
            case 1: text += #"{"id":\#(index),"name":"line\nbreak \"quoted\" ü"}"# + "\r\n"
            case 2: text += #"{"id":\#(index),"name":"#+"\n"   // malformed
            default: text += #"{"id":\#(index),"name":"n\#(String(repeating: "x", count: Int.random(in: 0...30, using: &random)))東"}"# + "\n"
            }
        }
        return Bool.random(using: &random) ? text : text + #"{"id":-1,"name":"last, without a newline"}"#
    }

    /// CSV with quoted fields holding delimiters, doubled quotes and every kind of line break,
    /// blank lines, a stray quote and rows with too few fields.
    static func randomCSV(_ random: inout SplitMix64, rows: Int) -> String {
        var text = "id,name,note\r\n"
        let breaks = ["\n", "\r\n", "\r"]
        for index in 0..<rows {
            let lineEnd = breaks.randomElement(using: &random)!
            switch Int.random(in: 0..<12, using: &random) {
            case 0: text += lineEnd   // blank line
            case 1: text += "\(index),\"two\nlines, \"\"quoted\"\"\",x\(lineEnd)"
            case 2: text += "\(index),\"crlf\r\ninside\",\"\r\"\(lineEnd)"
            case 3: text += "\(index),stray\"quote,y\(lineEnd)"
            case 4: text += "\(index),too few\(lineEnd)"
            case 5: text += "\(index),\"\",\"\"\"\"\(lineEnd)"
            default: text += "\(index),name \(index) é,\(String(repeating: "z", count: Int.random(in: 0...20, using: &random)))\(lineEnd)"
            }
        }
        return text
    }

    // MARK: Boundary scanners

    /// Record starts of a CSV text as the parser's rules give them, byte by byte, with the
    /// line each is on: the reference for the scanner.
    static func csvRecordStarts(_ bytes: [UInt8], from start: Int, line firstLine: Int) -> [(offset: Int, line: Int)] {
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        var state = State.fieldStart
        var line = firstLine
        var starts: [(Int, Int)] = []
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
            if byte == 0x0A || byte == 0x0D {
                if byte == 0x0A || next != 0x0A { line += 1 }
                if state != .quoted {
                    if byte == 0x0D, next == 0x0A { index += 1; line += 1 }
                    starts.append((index + 1, line))
                    state = .fieldStart
                }
                index += 1
                continue
            }
            switch state {
            case .fieldStart: state = byte == 0x22 ? .quoted : byte == 0x2C ? .fieldStart : .unquoted
            case .unquoted: if byte == 0x2C { state = .fieldStart }
            case .quoted: if byte == 0x22 { state = .quoteInQuoted }
            case .quoteInQuoted: state = byte == 0x22 ? .quoted : byte == 0x2C ? .fieldStart : .unquoted
            }
            index += 1
        }
        return starts
    }

    static func jsonLineStarts(_ bytes: [UInt8]) -> [(offset: Int, line: Int)] {
        var starts: [(Int, Int)] = []
        var line = 1
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            line += 1
            starts.append((index + 1, line))
        }
        return starts
    }

    /// Every target, with windows small enough that every record (and every CR before its
    /// LF, every quote before its pair) falls across window boundaries somewhere.
    func checkScanner(_ text: String, windows: [Int], starts: [(offset: Int, line: Int)],
                      make: (FileWindow) -> any RecordBoundaryScanner) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(text, to: "f")
        let size = Int64(text.utf8.count)
        for windowSize in windows {
            let window = try FileWindow(path: directory.file("f"), size: windowSize)
            for target in 1...max(1, Int(size)) {
                var scanner = make(window)
                let found = try scanner.advance(toRecordStartAtOrAfter: Int64(target), before: size)
                let expected = starts.first { $0.offset >= target && $0.offset < Int(size) }
                #expect(found?.offset == expected.map { Int64($0.offset) } && found?.line == expected?.line,
                        "window \(windowSize), target \(target): \(String(describing: found)) instead of \(String(describing: expected))")
            }
            // One scanner moving forward in steps gives the same starts.
            var scanner = make(window)
            var target: Int64 = 1
            while let found = try scanner.advance(toRecordStartAtOrAfter: target, before: size) {
                let expected = starts.first { $0.offset >= Int(target) }
                #expect(found.offset == Int64(expected?.offset ?? -1) && found.line == expected?.line)
                target = found.offset + Int64(windowSize % 5 + 1)
            }
        }
    }

    @Test func theJSONLinesScannerFindsLineStartsAcrossEveryWindowBoundary() throws {
        var random = SplitMix64(seed: 1)
        for _ in 0..<3 {
            let text = Self.randomJSONLines(&random, lines: 12)
            try checkScanner(text, windows: [1, 2, 3, 7, 64, 1 << 20], starts: Self.jsonLineStarts(Array(text.utf8))) {
                JSONLinesBoundaryScanner(window: $0, offset: 0, line: 1)
            }
        }
    }

    @Test func theCSVScannerFollowsQuotesAndLineBreaksAcrossEveryWindowBoundary() throws {
        var random = SplitMix64(seed: 2)
        for _ in 0..<4 {
            let text = Self.randomCSV(&random, rows: 14)
            try checkScanner(text, windows: [1, 2, 3, 5, 8, 9, 1 << 20],
                             starts: Self.csvRecordStarts(Array(text.utf8), from: 0, line: 1)) {
                CSVBoundaryScanner(window: $0, delimiter: 0x2C, offset: 0, line: 1)
            }
        }
    }

    // MARK: Reading in parallel

    /// What a read produced, in an order that does not depend on which instance read what.
    struct Reading: Equatable, CustomStringConvertible {
        var records: [String]
        var deadLetters: [String]
        var description: String { "\(records.count) records, \(deadLetters.count) dead letters" }

        init(_ records: [Record], _ deadLetters: [DeadLetter]) {
            self.records = records.map { "\($0.origin?.line ?? -1) \($0)" }.sorted()
            self.deadLetters = deadLetters.map { "\($0.location?.line ?? -1) \($0.error) \($0.rawInput)" }.sorted()
        }
    }

    /// Reads `source` with `instances` instances sharing one run's state, each taking
    /// chunks in turn; stops after `chunks` turns when given, returning the positions.
    func readInParallel<S: SourceStage>(_ source: S, instances: Int, chunk: Int = 3, shared: InstanceSharedState = InstanceSharedState(),
                                        restoringFrom positions: [[UInt8]]? = nil, stopAfter turns: Int? = nil,
                                        random: inout SplitMix64) async throws
        -> (records: [Record], deadLetters: [DeadLetter], positions: [[UInt8]]) where S.Output == Record {
        var readers: [ErasedSource] = []
        for instance in 0..<instances {
            var context = StageContext(stageName: "files", instance: instance, parallelism: instances, chunkSize: chunk)
            context.shared = shared
            let reader = try await source.makeErasedSource(context)
            if let positions { try reader.restoreAll!(positions) }
            readers.append(reader)
        }
        var records: [Record] = []
        var deadLetters: [DeadLetter] = []
        var finished = Array(repeating: false, count: instances)
        var turn = 0
        while finished.contains(false) {
            if let turns, turn == turns { break }
            // Instances take turns at random, as tasks do.
            let instance = Int.random(in: 0..<instances, using: &random)
            guard !finished[instance] else { continue }
            turn += 1
            let (outcome, done) = try await readers[instance].read(chunk)
            finished[instance] = done
            records += outcome.output?.elements(as: Record.self) ?? []
            deadLetters += outcome.deadLetters
        }
        let positions = try readers.map { try $0.position!() }
        for reader in readers { await reader.close() }
        return (records, deadLetters, positions)
    }

    func files(_ directory: TemporaryDirectory, csv: Bool, seed: UInt64) throws -> String {
        var random = SplitMix64(seed: seed)
        for file in 0..<3 {
            let text = csv ? Self.randomCSV(&random, rows: 60 + file * 40) : Self.randomJSONLines(&random, lines: 60 + file * 40)
            try directory.write(text, to: "in-\(file).\(csv ? "csv" : "jsonl")")
        }
        return directory.file(csv ? "in-*.csv" : "in-*.jsonl")
    }

    func source(_ pattern: String, csv: Bool, splitSize: Int) -> any SourceStage<Record> {
        csv ? Source.csv(pattern).splitSize(splitSize).onError(.deadLetter)
            : Source.jsonLines(pattern, as: Record.self).splitSize(splitSize).onError(.deadLetter)
    }

    @Test(arguments: [false, true]) func parallelReadsEqualTheSequentialRead(csv: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pattern = try files(directory, csv: csv, seed: csv ? 3 : 4)
        var random = SplitMix64(seed: 5)
        let sequential = try await readInParallel(source(pattern, csv: csv, splitSize: 1 << 20), instances: 1, random: &random)
        let reference = Reading(sequential.records, sequential.deadLetters)
        #expect(reference.records.count > 150 && !reference.deadLetters.isEmpty)
        for instances in [2, 3, 5] {
            for splitSize in [1, 13, 64, 500] {
                let parallel = try await readInParallel(source(pattern, csv: csv, splitSize: splitSize), instances: instances, random: &random)
                #expect(Reading(parallel.records, parallel.deadLetters) == reference, "\(instances) instances, splits of \(splitSize)")
            }
        }
    }

    @Test(arguments: [false, true]) func aCheckpointResumesWithAnyParallelismReadingEveryRecordOnce(csv: Bool) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pattern = try files(directory, csv: csv, seed: csv ? 6 : 7)
        var random = SplitMix64(seed: 8)
        let whole = try await readInParallel(source(pattern, csv: csv, splitSize: 1 << 20), instances: 1, random: &random)
        let reference = Reading(whole.records, whole.deadLetters)
        for (before, after) in [(3, 1), (1, 3), (2, 5), (4, 2), (3, 3)] {
            for stop in [0, 5, 40, 120] {
                let first = try await readInParallel(source(pattern, csv: csv, splitSize: 97), instances: before,
                                                     stopAfter: stop, random: &random)
                // A second checkpoint from the resumed run, resumed once more.
                let second = try await readInParallel(source(pattern, csv: csv, splitSize: 41), instances: after,
                                                      restoringFrom: first.positions, stopAfter: stop, random: &random)
                let third = try await readInParallel(source(pattern, csv: csv, splitSize: 150), instances: before,
                                                     restoringFrom: second.positions, random: &random)
                let reading = Reading(first.records + second.records + third.records,
                                      first.deadLetters + second.deadLetters + third.deadLetters)
                #expect(reading == reference, "\(before) then \(after) instances, stopping after \(stop) chunks")
                // Resuming the finished run reads nothing more.
                let again = try await readInParallel(source(pattern, csv: csv, splitSize: 64), instances: after,
                                                     restoringFrom: third.positions, random: &random)
                #expect(again.records.isEmpty && again.deadLetters.isEmpty)
            }
        }
    }

    /// Every instance carries what earlier runs read; a position must not grow with each
    /// resume (the same piece once per instance, again and again).
    @Test func positionsStaySmallHoweverOftenARunResumes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pattern = try files(directory, csv: false, seed: 9)
        var random = SplitMix64(seed: 10)
        let whole = try await readInParallel(source(pattern, csv: false, splitSize: 1 << 20), instances: 1, random: &random)
        var positions: [[UInt8]]?
        var records: [Record] = [], deadLetters: [DeadLetter] = []
        for _ in 0..<12 {
            let run = try await readInParallel(source(pattern, csv: false, splitSize: 150), instances: 3,
                                               restoringFrom: positions, stopAfter: 6, random: &random)
            records += run.records
            deadLetters += run.deadLetters
            positions = run.positions
            let decoded = try positions!.map { try StateCoding.decode(FileSplitsPosition.self, from: $0) }
            // Files read to their end are summed up as finished; of the rest, each instance
            // holds one piece per stretch read, and what is being read.
            #expect(decoded.allSatisfy { $0.read.count <= 20 }, "\(decoded.map(\.read.count))")
        }
        let rest = try await readInParallel(source(pattern, csv: false, splitSize: 150), instances: 2, restoringFrom: positions, random: &random)
        #expect(Reading(records + rest.records, deadLetters + rest.deadLetters) == Reading(whole.records, whole.deadLetters))
    }

    @Test func aPositionOfTheSingleFileReaderOfEarlierVersionsResumes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n", to: "a.jsonl")
        try directory.write("{\"id\":4}\n", to: "b.jsonl")
        let path = directory.file("a.jsonl")
        let legacy = #"{"finished":[],"current":"\#(path)","offset":9,"line":1,"pending":["\#(directory.file("b.jsonl"))"]}"#
        let position = try JSONDecoder().decode(FileSplitsPosition.self, from: Data(legacy.utf8))
        var random = SplitMix64(seed: 1)
        let resumed = try await readInParallel(Source.jsonLines(directory.file("*.jsonl"), as: Record.self), instances: 2,
                                               restoringFrom: [try StateCoding.encode(position)], random: &random)
        #expect(resumed.records.map { "\($0.origin?.line ?? 0):\($0["id"].map { "\($0)" } ?? "")" }.sorted() == ["1:4", "2:2", "3:3"])
    }

    @Test func aFileCutShortSinceTheCheckpointIsAnError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(String(repeating: "{\"id\":1}\n", count: 200), to: "a.jsonl")
        var random = SplitMix64(seed: 2)
        let first = try await readInParallel(Source.jsonLines(directory.file("a.jsonl"), as: Record.self).splitSize(100),
                                             instances: 2, stopAfter: 4, random: &random)
        try directory.write("{\"id\":1}\n", to: "a.jsonl")
        await #expect { _ = try await readInParallel(Source.jsonLines(directory.file("a.jsonl"), as: Record.self), instances: 2,
                                                   restoringFrom: first.positions, random: &random) }
            throws: { "\($0)".contains("cut short") || "\($0)".contains("another file") }
    }
}

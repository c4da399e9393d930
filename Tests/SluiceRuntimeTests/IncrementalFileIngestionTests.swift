import Foundation
import Testing
import Sluice
import SluiceTesting

/// A bounded file source resumed after a completed run reads what was appended since, once.
@Suite struct IncrementalFileIngestionTests {
    struct Row: Codable, Sendable, Equatable { var id: Int; var name: String }

    func jsonLinesRun(_ input: String, _ output: String, _ state: String) async throws -> RunReport {
        try await Pipeline("incremental-jsonl") {
            Source.jsonLines(input, as: Row.self).named("rows")
            Sink.jsonLines(output, of: Row.self).named("out")
        }.run(checkpoints: .every(.seconds(60), in: state))
    }

    func ids(_ path: String) throws -> [Int] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONRecordDecoder().decode(Row.self, from: String($0)).id
        }
    }

    @Test func rowsAppendedToAJSONLinesFileAfterACompletedRunAreReadOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.file("in"), withIntermediateDirectories: true)
        try directory.write(#"{"id":1,"name":"a"}"# + "\n" + #"{"id":2,"name":"b"}"# + "\n", to: "in/a.jsonl")
        let input = directory.file("in/*.jsonl"), output = directory.file("out.jsonl"), state = directory.file("state")
        _ = try await jsonLinesRun(input, output, state)
        #expect(try ids(output) == [1, 2])
        try directory.append(#"{"id":3,"name":"c"}"# + "\n", to: "in/a.jsonl")
        try directory.write(#"{"id":4,"name":"d"}"# + "\n", to: "in/b.jsonl")
        let second = try await jsonLinesRun(input, output, state)
        #expect(try ids(output) == [1, 2, 3, 4])
        #expect(second[stage: "rows"]?.recordsOut == 2)
        #expect(second.sinceFirstStart?.first { $0.name == "rows" }?.recordsOut == 4)
        #expect(second.sinceFirstStart?.first { $0.name == "out" }?.recordsIn == 4)
        _ = try await jsonLinesRun(input, output, state)
        #expect(try ids(output) == [1, 2, 3, 4])
        // A file cut short cannot be read exactly once: the run says so.
        try directory.write(#"{"id":1,"name":"a"}"# + "\n", to: "in/a.jsonl")
        do {
            _ = try await jsonLinesRun(input, output, state)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("a.jsonl was read to byte"))
            #expect("\(error)".contains("cut short"))
        }
    }

    /// Told to ignore appended data, a resumed run reads none of it, and says so each time.
    @Test func appendedDataCanBeLeftUnreadWithAWarningNamingTheFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"id":1,"name":"a"}"# + "\n", to: "a.jsonl")
        try directory.write("name,id\na,1\n", to: "a.csv")
        let warnings = Collector<String>()
        var options = RunOptions()
        options.warning = { warnings.append(contentsOf: [$0]) }
        func run() async throws {
            _ = try await Pipeline("ignore appended") {
                Source.jsonLines(directory.file("a.jsonl"), as: Row.self).named("json rows").appendedData(.ignore)
                Sink.jsonLines(directory.file("json.jsonl"), of: Row.self)
            }.run(options: options, checkpoints: .every(.seconds(60), in: directory.file("state-json")))
            _ = try await Pipeline("ignore appended csv") {
                Source.csv(directory.file("a.csv"), as: Row.self).named("csv rows").appendedData(.ignore)
                Sink.jsonLines(directory.file("csv.jsonl"), of: Row.self)
            }.run(options: options, checkpoints: .every(.seconds(60), in: directory.file("state-csv")))
        }
        try await run()
        try directory.append(#"{"id":2,"name":"b"}"# + "\n", to: "a.jsonl")
        try directory.append("b,2\n", to: "a.csv")
        try await run()
        try await run()
        #expect(try ids(directory.file("json.jsonl")) == [1])
        #expect(try ids(directory.file("csv.jsonl")) == [1])
        #expect(warnings.elements.count == 4)
        #expect(warnings.elements.first == directory.file("a.jsonl") + " grew by 20 bytes since an earlier run read it to its end; they are not read, as the source ignores appended data (.appendedData(.ignore))")
        #expect(warnings.elements.contains { $0.hasPrefix(directory.file("a.csv") + " grew by 4 bytes") })
    }

    @Test func rowsAppendedToACSVFileAfterACompletedRunAreReadOnceWithItsHeader() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("name,id\na,1\nb,2\n", to: "in.csv")
        let output = directory.file("out.jsonl"), state = directory.file("state")
        func run() async throws -> RunReport {
            try await Pipeline("incremental-csv") {
                Source.csv(directory.file("in.csv"), as: Row.self).named("rows").onError(.deadLetter)
                Sink.jsonLines(output, of: Row.self).named("out")
            }.run(checkpoints: .every(.seconds(60), in: state))
        }
        _ = try await run()
        try directory.append("c,3\n", to: "in.csv")
        let second = try await run()
        #expect(try ids(output) == [1, 2, 3])
        #expect(second[stage: "rows"]?.recordsOut == 1)
        _ = try await run()
        #expect(try ids(output) == [1, 2, 3])
    }
}

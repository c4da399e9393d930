#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import SluiceConnectors
import Sluice
import SluiceTesting

@Suite struct JSONLinesSourceTests {
    @Test func readsEveryFileMatchingAGlobInOrderAndSkipsBlankLines() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"user":"b","ts":2,"amount":2,"country":"FR"}"# + "\n", to: "2.jsonl")
        try directory.write(#"{"user":"a","ts":1,"amount":1,"country":"DE"}"# + "\n\n   \n" + #"{"user":"c","ts":3,"amount":3,"country":"JP"}"#, to: "1.jsonl")
        try directory.write("not json", to: "ignored.txt")
        let result = try await SourceHarness.readAll(Source.jsonLines(directory.file("*.jsonl"), as: Event.self), chunkSize: 1)
        #expect(result.elements.map(\.user) == ["a", "c", "b"])
    }

    @Test func malformedFirstAndLastLinesAreDeadLetteredWithFileAndLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let good = #"{"user":"a","ts":1,"amount":1,"country":"DE"}"#
        let path = try directory.write("{oops\n\(good)\r\n\(good)\n" + #"{"user":"z","ts":"late","amount":1,"country":"DE"}"#, to: "e.jsonl")
        let result = try await SourceHarness.readAll(Source.jsonLines(path, as: Event.self).named("events").onError(.deadLetter))
        #expect(result.elements.count == 2)
        #expect(result.deadLetters.map(\.location?.line) == [1, 4])
        #expect(result.deadLetters[0].rawInput == "{oops")
        #expect(result.deadLetters[0].stage == "events")
        #expect(result.deadLetters[1].location?.field == "ts")
        #expect(result.deadLetters[1].error.contains("expected Int64, found string \"late\""))
    }

    @Test func veryLongLinesAndInvalidUTF8() async throws {
        struct Text: Codable, Sendable { var s: String }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let long = String(repeating: "ab", count: 2_000_000)
        var bytes = Array(#"{"s":"\#(long)"}"#.utf8) + [0x0A]
        bytes += Array(#"{"s":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8) + [0x0A]
        let path = try directory.write(bytes: bytes, to: "long.jsonl")
        let result = try await SourceHarness.readAll(Source.jsonLines(path, as: Text.self).onError(.skip))
        #expect(result.elements.first?.s.count == 4_000_000)
        #expect(result.skipped == 1)
    }

    @Test func aMissingFileFailsTheRunNamingThePath() async throws {
        await #expect {
            try await Pipeline("missing") {
                Source.jsonLines("/nonexistent/dir/x.jsonl", as: Event.self)
                Sink.collect(into: Collector<Event>())
            }.run()
        } throws: { error in
            "\(error)".contains("cannot open '/nonexistent/dir/x.jsonl'") && "\(error)".contains("jsonLines")
        }
        await #expect(throws: FileError.self) {
            _ = try await SourceHarness.readAll(Source.jsonLines("/nonexistent/*.jsonl", as: Event.self))
        }
    }

    @Test func textLinesStripLineBreaks() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("one\r\ntwo\n\nthree", to: "t.txt")
        #expect(try await SourceHarness.readAll(Source.lines(path)).elements == ["one", "two", "", "three"])
    }
}

@Suite struct FileSinkTests {
    @Test func jsonLinesSinkAppearsOnlyOnCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var sink = try await SinkHarness(Sink.jsonLines(directory.file("out/events.jsonl"), of: Event.self))
        try await sink.write([Event(user: "a", ts: 1, amount: 1.5, country: "DE")])
        #expect(!FileManager.default.fileExists(atPath: directory.file("out/events.jsonl")))
        try await sink.finish()
        #expect(try directory.read("out/events.jsonl") == #"{"user":"a","ts":1,"amount":1.5,"country":"DE"}"# + "\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("out")) == ["events.jsonl"])
    }

    @Test func abortedSinkLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var sink = try await SinkHarness(Sink.csv(directory.file("p.csv"), of: Person.self))
        try await sink.write([Person(name: "a", city: "b", age: 1, score: nil)])
        await sink.abort()
        #expect(try directory.contents().isEmpty)
    }

    @Test func csvSinkQuotesWhatNeedsQuotingAndReadsBack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let people = [Person(name: "Doe, \"J\"", city: "New\nYork", age: 3, score: 0.5),
                      Person(name: "Zoë", city: "東京", age: 4, score: nil)]
        _ = try await Pipeline("csv round trip") {
            Source.collection(people)
            Sink.csv(directory.file("people.csv"), of: Person.self)
        }.run()
        #expect(try directory.read("people.csv").hasPrefix("name,city,age,score\r\n\"Doe, \"\"J\"\"\",\"New\nYork\",3,0.5\r\n"))
        let back = try await SourceHarness.readAll(Source.csv(directory.file("people.csv"), as: Person.self))
        #expect(back.elements == people)
    }

    @Test func csvSinkWritesEveryColumnWhenTheFirstRowLacksOptionalValues() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let people = [Person(name: "a", city: "b", age: 1, score: nil), Person(name: "c", city: "d", age: 2, score: 0.25)]
        _ = try await Pipeline("optional first") {
            Source.collection(people)
            Sink.csv(directory.file("people.csv"), of: Person.self)
        }.run()
        #expect(try directory.read("people.csv") == "name,city,age,score\r\na,b,1,\r\nc,d,2,0.25\r\n")
        #expect(try await SourceHarness.readAll(Source.csv(directory.file("people.csv"), as: Person.self)).elements == people)
    }

    @Test func aFailedRunLeavesNoOutputAndNoOpenFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write((0..<5_000).map { #"{"user":"u\#($0)","ts":\#($0),"amount":1,"country":"DE"}"# }.joined(separator: "\n"), to: "in.jsonl")
        await #expect(throws: PipelineRunError.self) {
            try await Pipeline("fails") {
                Source.jsonLines(input, as: Event.self)
                Map { (event: Event) -> Event in
                    if event.ts == 4_000 { throw RecordError("bad event") }
                    return event
                }
                Sink.jsonLines(directory.file("out.jsonl"), of: Event.self)
            }.run(options: RunOptions(chunkSize: 100))
        }
        #expect(try directory.contents() == ["in.jsonl"], "no output file and no temporary file")
        #if os(Linux)
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)
        }
        #expect(!open.contains { $0.hasPrefix(directory.path) }, "file handles left open: \(open)")
        #endif
    }

    @Test func failedRunKeepsThePreviousOutputFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("previous\n", to: "out.jsonl")
        _ = try? await Pipeline("fails") {
            Source.collection([1, 2, 3])
            Map { (n: Int) -> Int in if n == 3 { throw RecordError("no") }; return n }
            Sink.jsonLines(directory.file("out.jsonl"), of: Int.self)
        }.run()
        #expect(try directory.read("out.jsonl") == "previous\n")
    }
}

@Suite struct StandardInputTests {
    @Test func readsLinesFromAPipeUntilItCloses() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        // Close-on-exec: a server another test starts meanwhile must not inherit the write
        // end, or the pipe would never close and the read never end.
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let text = (1...5_000).map { "line \($0) ✓" }.joined(separator: "\n") + "\n"
        let writeEnd = descriptors[1]
        let writer = Thread {
            text.utf8CString.withUnsafeBufferPointer { buffer in
                var offset = 0
                let count = buffer.count - 1
                while offset < count {
                    let written = write(writeEnd, buffer.baseAddress! + offset, count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(writeEnd)
        }
        writer.start()
        let result = try await SourceHarness.readAll(StandardInputSource(descriptor: descriptors[0]), chunkSize: 256)
        close(descriptors[0])
        #expect(result.elements.count == 5_000)
        #expect(result.elements.last == "line 5000 ✓")
    }
}

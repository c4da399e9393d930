import Foundation
import Testing
import Sluice
import SluiceTesting

/// Every checkpointable source resumes exactly where a checkpoint left it, at every chunk
/// boundary: nothing read twice, nothing skipped, dead letters included.
@Suite struct SourcePositionTests {
    @Test(arguments: [1, 2, 5]) func jsonLinesFilesResumeAtEveryBoundary(chunkSize: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("{\"n\":1}\r\n\n{\"n\":2}\n{oops\n{\"n\":3}", to: "a.jsonl")
        try directory.write("", to: "b.jsonl")
        try directory.write("\u{FEFF}{\"n\":4}\n{\"n\":5}\n", to: "c.jsonl")
        let source = Source.jsonLines(directory.file("*.jsonl"), as: Line.self).onError(.deadLetter)
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: chunkSize) == nil)
    }

    @Test(arguments: [1, 2, 4]) func csvFilesResumeAtEveryBoundary(chunkSize: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("name,city,age\r\nAnn,\"Paris\r\nFR\",1\nbad\"q,x,2\n\nBob,Rome,2\n", to: "a.csv")
        try directory.write("city,age,name\nOslo,3,\"Cy \"\"C\"\"\"\nKyiv,x,Dee", to: "b.csv")
        let source = Source.csv(directory.file("*.csv"), as: Person.self).onError(.deadLetter)
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: chunkSize) == nil)
    }

    @Test(arguments: [1, 2, 3]) func textLinesResumeAtEveryBoundary(chunkSize: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("one\r\ntwo\n\nthree", to: "a.txt")
        try directory.write("", to: "b.txt")
        try directory.write(bytes: Array("four\n".utf8) + [0xFF, 0xFE, 0x0A] + Array("fünf\n".utf8), to: "c.txt")
        let source = Source.lines(directory.file("*.txt")).onError(.deadLetter)
        #expect(try await SourceHarness.readAll(source).elements == ["one", "two", "", "three", "four", "fünf"])
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: chunkSize) == nil)
    }

    @Test func collectionsAndGeneratorsResume() async throws {
        #expect(try await SourceHarness.resumptionDifference(Source.collection(Array(0..<10)), chunkSize: 3) == nil)
        #expect(try await SourceHarness.resumptionDifference(Source.generate(count: 10) { $0 * 2 }, chunkSize: 4) == nil)
    }

    @Test func aWatchedDirectoryResumesWithoutRereadingFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("{\"n\":1}\n{\"n\":2}\n", to: "1.jsonl")
        try directory.write("{\"n\":3}\n", to: "2.jsonl")
        let source = Source.watchDirectory(directory.path, matching: "*.jsonl", as: Line.self, endAfterIdle: .zero)
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: 1) == nil)
    }

    @Test func aFollowedFileResumesAfterItsLastCompleteLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let json = try directory.write("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":", to: "live.jsonl")
        #expect(try await SourceHarness.resumptionDifference(
            Source.followJSONLines(json, as: Line.self, endAfterIdle: .zero).onError(.deadLetter), chunkSize: 1) == nil)
        let csv = try directory.write("name,city,age\nAnn,\"Pa\nris\",1\nBob,Rome,2\n", to: "live.csv")
        #expect(try await SourceHarness.resumptionDifference(
            Source.followCSV(csv, as: Person.self, endAfterIdle: .zero), chunkSize: 1) == nil)
    }

    @Test func aPacedGeneratorContinuesItsSequence() async throws {
        let clock = ManualClock(start: Timestamp(millisecondsSinceEpoch: 10_000))
        let source = Source.events(count: 12, perSecond: 1_000, maxDisorder: .milliseconds(20), seed: 7) { index, time in
            "\(index)@\(time.millisecondsSinceEpoch)"
        }
        let context = StageContext(stageName: "events", clock: clock)
        // Both readers start at the same instant; then every event is due, so none sleeps.
        let reference = try await source.makeErasedSource(context)
        let first = try await source.makeErasedSource(context)
        clock.advance(by: .seconds(60))
        func read(_ source: ErasedSource, limit: Int) async throws -> [String] {
            try await source.read(limit).outcome.output?.elements(as: String.self) ?? []
        }
        let all = try await read(reference, limit: 100)
        let head = try await read(first, limit: 5)
        let second = try await source.makeErasedSource(StageContext(stageName: "events", clock: clock))
        try second.restore!(try first.position!())
        let tail = try await read(second, limit: 100)
        #expect(all.count == 12)
        #expect(head + tail == all)
    }
}

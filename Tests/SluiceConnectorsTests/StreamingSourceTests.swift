import Foundation
import Testing
import Sluice
import SluiceTesting

struct Line: Codable, Sendable, Equatable { var n: Int }


@Suite struct FollowingJSONLinesSourceTests {
    @Test func followsAppendsPartialLinesAndRotationThenEndsWhenIdle() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("{\"n\":1}\n{\"n\":", to: "live.jsonl")
        let clock = ManualClock()
        let reading = Task {
            try await SourceHarness.readAll(
                Source.followJSONLines(path, as: Line.self, pollEvery: .milliseconds(100), endAfterIdle: .seconds(1)),
                chunkSize: 10, clock: clock)
        }
        await clock.waitForSleepers(1)                      // line 1 read; the partial line waits
        try directory.append("2}\n{\"n\":3}\n", to: "live.jsonl")
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        // Rotation: the file is renamed away (its writer finishes it), a new one takes the path.
        try FileManager.default.moveItem(atPath: path, toPath: directory.file("live.jsonl.1"))
        try directory.append("{\"n\":4}", to: "live.jsonl.1")
        try directory.write("{\"n\":5}\n{\"n\":6}", to: "live.jsonl")
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))                      // idle: the source ends
        let result = try await reading.value
        #expect(result.elements.map(\.n) == [1, 2, 3, 4, 5, 6])
    }

    @Test func waitsForAFileThatDoesNotExistYet() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        let path = directory.file("later.jsonl")
        let reading = Task {
            try await SourceHarness.readAll(Source.followJSONLines(path, as: Line.self, endAfterIdle: .seconds(1)), clock: clock)
        }
        await clock.waitForSleepers(1)
        try directory.write("{\"n\":7}\n", to: "later.jsonl")
        clock.advance(by: .milliseconds(200))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))
        #expect(try await reading.value.elements == [Line(n: 7)])
    }
}

@Suite struct PacedGeneratorTests {
    func generate(seed: UInt64) async throws -> [Int64] {
        let clock = ManualClock(start: Timestamp(millisecondsSinceEpoch: 1_000_000))
        let reading = Task {
            try await SourceHarness.readAll(
                Source.events(count: 20, perSecond: 10, maxDisorder: .milliseconds(50), seed: seed) { _, time in time.millisecondsSinceEpoch },
                clock: clock)
        }
        await clock.waitForSleepers(1)                      // the first event went out at once
        clock.advance(by: .seconds(5))
        return try await reading.value.elements
    }

    @Test func pacesEventsAndKeepsDisorderWithinItsBound() async throws {
        let times = try await generate(seed: 7)
        #expect(times.count == 20)
        for (index, time) in times.enumerated() {
            let nominal = 1_000_000 + Int64(index) * 100
            #expect(time <= nominal && time >= nominal - 50, "event \(index) at \(time)")
        }
        #expect(try await generate(seed: 7) == times, "the same seed gives the same events")
        #expect(try await generate(seed: 8) != times)
    }
}

@Suite struct DirectoryWatchSourceTests {
    @Test func readsFilesAlreadyThereThenEachNewFileOnceAndIgnoresHiddenOnes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("{\"n\":2}\n", to: "b.jsonl")
        try directory.write("{\"n\":1}\n", to: "a.jsonl")
        try directory.write("not json", to: "notes.txt")
        let clock = ManualClock()
        let reading = Task {
            try await SourceHarness.readAll(
                Source.watchDirectory(directory.path, matching: "*.jsonl", as: Line.self, pollEvery: .milliseconds(100),
                                      endAfterIdle: .seconds(1)),
                clock: clock)
        }
        await clock.waitForSleepers(1)
        // A file is written under a hidden name, then renamed in: only the final name counts.
        try directory.write("{\"n\":3}\n{\"n\":4}", to: ".c.jsonl.tmp")
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        try FileManager.default.moveItem(atPath: directory.file(".c.jsonl.tmp"), toPath: directory.file("c.jsonl"))
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))
        #expect(try await reading.value.elements.map(\.n) == [1, 2, 3, 4])
    }

    @Test func aMissingDirectoryIsAClearError() async throws {
        await #expect {
            _ = try await SourceHarness.readAll(Source.watchDirectory("/nonexistent/landing", as: Line.self, endAfterIdle: .zero))
        } throws: { "\($0)".contains("cannot list '/nonexistent/landing'") }
    }
}

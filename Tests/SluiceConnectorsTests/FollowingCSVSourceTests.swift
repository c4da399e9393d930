import Foundation
import Testing
import Sluice
import SluiceTesting

@Suite struct FollowingCSVSourceTests {
    /// Follows `path` on a manual clock; `steps` run one at a time, each followed by a poll.
    /// The source ends when idle for an hour, long after the last step (a step that
    /// completes no line must not end it early).
    func follow(_ path: String, options: CSVOptions = CSVOptions(),
                steps: [() throws -> Void]) async throws -> SourceHarness.Result<Person> {
        let clock = ManualClock()
        let reading = Task {
            try await SourceHarness.readAll(
                Source.followCSV(path, as: Person.self, options: options, pollEvery: .milliseconds(100), endAfterIdle: .seconds(3600))
                    .onError(.deadLetter),
                chunkSize: 3, clock: clock)
        }
        await clock.waitForSleepers(1)
        for step in steps {
            try step()
            clock.advance(by: .milliseconds(100))
            await clock.waitForSleepers(1)
        }
        clock.advance(by: .seconds(7200))
        return try await reading.value
    }

    @Test func recordsSplitAcrossAppendsAndQuotedLineBreaksWaitForTheirEnd() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("name,city,age,score\nAnn,Paris,3", to: "live.csv")
        let result = try await follow(path, steps: [
            { try directory.append("0,1.5\n\"Bob\",\"New", to: "live.csv") },      // Ann complete; Bob's city is open
            { try directory.append("\nYork\",4", to: "live.csv") },                 // the quoted line break arrives
            { try directory.append("1,\n\"Zoë \"\"Z\"\"\",東京,29,2\n", to: "live.csv") },
        ])
        #expect(result.deadLetters.isEmpty)
        #expect(result.elements == [
            Person(name: "Ann", city: "Paris", age: 30, score: 1.5),
            Person(name: "Bob", city: "New\nYork", age: 41, score: nil),
            Person(name: "Zoë \"Z\"", city: "東京", age: 29, score: 2),
        ])
    }

    @Test func rotationStartsANewFileWithItsOwnHeaderAndTruncationStartsOver() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("name,city,age\nAnn,Paris,1\n", to: "live.csv")
        let result = try await follow(path, steps: [
            {
                // Renamed away with a last line still to come, then a new file with columns in another order.
                try FileManager.default.moveItem(atPath: path, toPath: directory.file("live.csv.1"))
                try directory.append("Bob,Rome,2", to: "live.csv.1")
                try directory.write("age,name,city\n3,Cy,Oslo\n", to: "live.csv")
            },
            // Copy-truncate rotation: the same file, emptied and written again from the start
            // (noticed because it is now shorter than what was read).
            { try directory.write("name,city,age\nD,K,4\n", to: "live.csv") },
        ])
        #expect(result.deadLetters.isEmpty)
        #expect(result.elements.map(\.name) == ["Ann", "Bob", "Cy", "D"])
        #expect(result.elements.map(\.age) == [1, 2, 3, 4])
    }

    @Test func malformedRecordsAreDeadLetteredWithTheirFileLineAndAnOpenQuoteAtTheEndIsNotLost() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("name,city,age\n", to: "live.csv")
        let result = try await follow(path, steps: [
            { try directory.append("Ann,Paris,x\nBo\"b,Rome,2\n", to: "live.csv") },
            { try directory.append("Cy,Oslo,3,extra\nDee,\"Ky", to: "live.csv") },
        ])
        #expect(result.elements.isEmpty)
        #expect(result.deadLetters.map(\.location?.line) == [2, 3, 4, 5])
        #expect(result.deadLetters.map(\.location?.origin) == Array(repeating: path, count: 4))
        #expect(result.deadLetters[0].location?.field == "age")
        #expect(result.deadLetters[2].error.contains("expected 3 fields as in the header, found 4"))
        #expect(result.deadLetters[3].error.contains("unterminated quoted field"))
        #expect(result.deadLetters[3].rawInput == "Dee,\"Ky")
    }

    @Test func aHeaderWithoutAColumnTheTypeNeedsFailsBeforeAnyRow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("name,city\n", to: "live.csv")
        do {
            _ = try await SourceHarness.readAll(Source.followCSV(path, as: Person.self, endAfterIdle: .milliseconds(50)).onError(.deadLetter))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("live.csv:1"))
            #expect("\(error)".contains("the header has no column 'age'"))
        }
    }

    /// Whatever the pieces a file arrives in, following it gives what reading it whole gives.
    @Test(arguments: [5]) func piecesGiveTheSameRecordsAsTheWholeFile(pieceLength: Int) async throws {
        let text = "name,city,age,score\r\n\"Doe, Jane\",Berlin,34,1.5\n\n\"O\"\"Brien\",\"New\nYork\",41,\nbad\"quote,x,1,\nZoë,東京,29,\"2\"\nEve,\"\"\"\",5,\n"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let whole = try directory.write(text, to: "whole.csv")
        let expected = try await SourceHarness.readAll(Source.csv(whole, as: Person.self).onError(.deadLetter))
        let bytes = Array(text.utf8)
        let path = directory.file("live.csv")
        _ = try directory.write("", to: "live.csv")
        let pieces = stride(from: 0, to: bytes.count, by: pieceLength).map { Data(bytes[$0..<min(bytes.count, $0 + pieceLength)]) }
        let result = try await follow(path, steps: pieces.map { piece in {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: piece)
        } })
        #expect(result.elements == expected.elements)
        #expect(result.deadLetters.map(\.location?.line) == expected.deadLetters.map(\.location?.line))
        #expect(result.deadLetters.map(\.error) == expected.deadLetters.map(\.error))
    }
}

@Suite struct FollowTruncationTests {
    @Test func aTruncatedJSONLinesFileIsReadAgainFromTheTop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("{\"n\":1}\n{\"n\":2}\n", to: "live.jsonl")
        let clock = ManualClock()
        let reading = Task {
            try await SourceHarness.readAll(
                Source.followJSONLines(path, as: Line.self, pollEvery: .milliseconds(100), endAfterIdle: .seconds(1)),
                clock: clock)
        }
        await clock.waitForSleepers(1)
        try directory.write("{\"n\":3}\n", to: "live.jsonl")     // shorter than before: truncated and rewritten
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))
        #expect(try await reading.value.elements.map(\.n) == [1, 2, 3])
    }
}

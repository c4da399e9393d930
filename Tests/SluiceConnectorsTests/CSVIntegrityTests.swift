import Foundation
import Testing
import Sluice
import SluiceTesting

/// CSV input that must never be silently lost: recovery after a malformed record, duplicate
/// header names, blank one-column rows, headers that do not fit the type.
@Suite struct CSVIntegrityTests {
    struct Pair: Codable, Sendable, Equatable { var a: String; var b: String }
    struct Order: Codable, Sendable { var id: String; var amount: Double }

    private func records(_ text: String, options: CSVOptions = CSVOptions()) async throws -> SourceHarness.Result<Record> {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(text, to: "in.csv")
        return try await SourceHarness.readAll(Source.csv(path, options: options).onError(.deadLetter), chunkSize: 1)
    }

    @Test func recoveryAfterAMalformedRecordResynchronisesAtBareCRLineEnds() async throws {
        let result = try await records("a,b\r\"x\"y,1\r2,3\r4,5\r")
        #expect(result.elements.map { $0["a"]?.text } == ["2", "4"])
        #expect(result.deadLetters.count == 1)
        #expect(result.deadLetters[0].rawInput == "\"x\"y,1")
        #expect(result.deadLetters[0].location?.line == 2)
        let unquoted = try await records("a,b\nx\"y,1\n2,3\r\n4,5")
        #expect(unquoted.elements.map { $0["a"]?.text } == ["2", "4"])
        #expect(unquoted.deadLetters.map(\.rawInput) == ["x\"y,1"])
    }

    @Test func anUnterminatedQuoteDoesNotSwallowTheRowsAfterIt() async throws {
        for lineEnd in ["\n", "\r\n", "\r"] {
            let rows = ["a,b", "4,\"multi", "line\"", "1,\"open", "2,3", "5,6"]
            let result = try await records(rows.joined(separator: lineEnd) + lineEnd)
            // The stray quote on line 4 opens a field that never closes: only that line is bad.
            #expect(result.deadLetters.count == 1, "\(lineEnd.debugDescription)")
            #expect(result.deadLetters.first?.rawInput == "1,\"open")
            #expect(result.deadLetters.first?.location?.line == 4)
            #expect(result.deadLetters.first?.error.contains("reading resumes on line 5") == true)
            #expect(result.elements.map { $0["a"]?.text } == ["4", "2", "5"], "\(lineEnd.debugDescription)")
            #expect(result.elements.first?["b"]?.text == "multi" + lineEnd + "line")
        }
    }

    @Test func aDeadLetterKeepsEveryByteItConsumedHoweverLarge() async throws {
        let huge = String(repeating: "x", count: 200_000)
        let result = try await records("a,b\n\"\(huge)\"junk,1\n2,3\n")
        #expect(result.deadLetters.count == 1)
        #expect(result.deadLetters[0].rawInput == "\"\(huge)\"junk,1")
        #expect(result.elements.count == 1)
    }

    @Test func duplicateHeaderNamesAreKeptUnderNumberedNames() async throws {
        let result = try await records("a,b,a,a_2\n1,2,3,4\n")
        #expect(result.elements.first?.names == ["a", "b", "a_3", "a_2"])
        #expect(result.elements.first?["a_3"]?.text == "3")
        #expect(result.elements.first?["a_2"]?.text == "4")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("a,b,a\n1,2,3\n", to: "d.csv")
        let raw = try await SourceHarness.readAll(Source.csvRecords(path))
        #expect(raw.elements.first?.columns == ["a", "b", "a_2"])
        #expect(raw.elements.first?["a_2"] == "3")
    }

    @Test func aBlankLineInAOneColumnFileIsARecordWithOneEmptyField() async throws {
        let result = try await records("name\nAnn\n\nBob\n", options: CSVOptions(emptyFieldIsNil: false))
        #expect(result.elements.map { $0["name"]?.text } == ["Ann", "", "Bob"])
        let crlf = try await records("name\r\nAnn\r\n\r\nBob")
        #expect(crlf.elements.map { $0["name"] } == [.string("Ann"), .null, .string("Bob")])
        // With more columns a blank line is not a record.
        let two = try await records("a,b\n1,2\n\n3,4\n")
        #expect(two.elements.count == 2 && two.deadLetters.isEmpty)
    }

    @Test func aHeaderThatDoesNotFitTheTypeFailsEvenWithoutDataRows() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("id,total\n", to: "orders.csv")
        do {
            _ = try await SourceHarness.readAll(Source.csv(path, as: Order.self).onError(.deadLetter))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("orders.csv:1"))
            #expect("\(error)".contains("the header has no column 'amount'"))
        }
        let fits = try directory.write("id,amount,extra\n", to: "fits.csv")
        #expect(try await SourceHarness.readAll(Source.csv(fits, as: Order.self)).elements.isEmpty)
    }

    @Test func aMalformedHeaderFailsTheRunNamingFileLineAndColumn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("a,b\"c\n1,2\n", to: "bad.csv")
        do {
            _ = try await SourceHarness.readAll(Source.csv(path).onError(.deadLetter))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("bad.csv:1"))
            #expect("\(error)".contains("malformed header"))
            #expect("\(error)".contains("field 2"))
        }
    }
}

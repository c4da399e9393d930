import Foundation
import Testing
import Sluice
import SluiceTesting

struct Person: Codable, Equatable, Sendable {
    var name: String
    var city: String
    var age: Int
    var score: Double?
}

@Suite struct CSVSourceTests {
    func read<T: Decodable & Sendable>(_ text: String, as type: T.Type, options: CSVOptions = CSVOptions(),
                                        policy: ErrorPolicy = .deadLetter, chunkSize: Int = 1024) async throws -> SourceHarness.Result<T> {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(text, to: "input.csv")
        return try await SourceHarness.readAll(Source.csv(path, as: T.self, options: options).onError(policy), chunkSize: chunkSize)
    }

    @Test func readsQuotedFieldsEscapesAndLineBreaksInsideQuotes() async throws {
        let text = "name,city,age,score\r\n\"Doe, Jane\",\"Berlin\",34,1.5\r\n\"O\"\"Brien\",\"New\nYork\",41,\r\nZoë,東京,29,\"2\"\r\n"
        let result = try await read(text, as: Person.self)
        #expect(result.deadLetters.isEmpty)
        #expect(result.elements == [
            Person(name: "Doe, Jane", city: "Berlin", age: 34, score: 1.5),
            Person(name: "O\"Brien", city: "New\nYork", age: 41, score: nil),
            Person(name: "Zoë", city: "東京", age: 29, score: 2),
        ])
    }

    @Test func skipsAByteOrderMarkAndHonoursACustomDelimiter() async throws {
        let text = "\u{FEFF}name;city;age\nAnn;\"Paris; FR\";3\nBob;Rome;4"
        let result = try await read(text, as: Person.self, options: CSVOptions(delimiter: ";"))
        #expect(result.elements.map(\.name) == ["Ann", "Bob"])
        #expect(result.elements[0].city == "Paris; FR")
    }

    @Test func raggedRowsAtFirstAndLastLineAreDeadLetteredWithTheirLines() async throws {
        let text = "name,city,age\nAnn,Paris\nBob,Rome,4\nCid,Oslo,5,extra"
        let result = try await read(text, as: Person.self)
        #expect(result.elements.map(\.name) == ["Bob"])
        #expect(result.deadLetters.count == 2)
        #expect(result.deadLetters[0].location?.line == 2)
        #expect(result.deadLetters[0].error == "expected 3 fields as in the header, found 2")
        #expect(result.deadLetters[0].rawInput == "Ann,Paris")
        #expect(result.deadLetters[1].location?.line == 4)
        #expect(result.deadLetters[1].location?.origin.hasSuffix("input.csv") == true)
    }

    @Test func aFieldThatDoesNotDecodeNamesTheColumn() async throws {
        let result = try await read("name,city,age\nAnn,Paris,thirty\n", as: Person.self)
        #expect(result.elements.isEmpty)
        let letter = try #require(result.deadLetters.first)
        #expect(letter.location == SourceLocation(origin: letter.location!.origin, line: 2, field: "age"))
        #expect(letter.error.contains("expected Int, found 'thirty'"))
    }

    @Test func unterminatedQuoteOnTheLastLineIsReported() async throws {
        let result = try await read("name,city,age\nAnn,Paris,3\n\"Bob,Rome,4\n", as: Person.self)
        #expect(result.elements.count == 1)
        #expect(result.deadLetters.first?.error.contains("unterminated quoted field") == true)
        #expect(result.deadLetters.first?.location?.line == 3)
    }

    @Test func failPolicyFailsWithFileLineAndField() async throws {
        await #expect {
            _ = try await read("name,city,age\nAnn,Paris,x\n", as: Person.self, policy: .fail)
        } throws: { error in
            let text = "\(error)"
            return text.contains("input.csv:2, field 'age'")
        }
    }

    @Test func textAfterAClosingQuoteIsMalformedButReadingContinues() async throws {
        let result = try await read("name,city,age\n\"Ann\"x,Paris,1\nBob,Rome,2\n", as: Person.self)
        #expect(result.elements.map(\.name) == ["Bob"])
        #expect(result.deadLetters.first?.location?.line == 2)
    }

    @Test func emptyFileAndHeaderOnlyGiveNothing() async throws {
        #expect(try await read("", as: Person.self).elements.isEmpty)
        #expect(try await read("name,city,age\n", as: Person.self).elements.isEmpty)
    }

    @Test func hugeFieldsAndManyRowsStream() async throws {
        let big = String(repeating: "x", count: 3_000_000)
        var text = "name,city,age\n\"\(big)\",a,1\n"
        for index in 0..<20_000 { text += "n\(index),c,\(index)\n" }
        let small = try await read(text, as: Person.self, chunkSize: 7)
        #expect(small.elements.count == 20_001)
        #expect(small.elements[0].name.count == 3_000_000)
        #expect(small.elements.last?.age == 19_999)
    }

    @Test func readsWithoutAHeaderAndAsUntypedRecords() async throws {
        struct Pair: Decodable, Sendable, Equatable { var column1: String; var column2: Int }
        #expect(try await read("a,1\nb,2\n", as: Pair.self, options: CSVOptions(hasHeader: false)).elements
                == [Pair(column1: "a", column2: 1), Pair(column1: "b", column2: 2)])
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("id,text\n1,\"a, b\"\n", to: "r.csv")
        let records = try await SourceHarness.readAll(Source.csvRecords(path)).elements
        #expect(records == [CSVRecord(columns: ["id", "text"], values: ["1", "a, b"])])
        #expect(try JSONRecordEncoder().encode(records[0]) == #"{"id":"1","text":"a, b"}"#)
    }
}

@Suite struct CSVOptionsTests {
    @Test func anUnusableDelimiterIsAClearErrorNotACrash() async throws {
        await #expect {
            _ = try await SourceHarness.readAll(Source.csv("/dev/null", as: Person.self, options: CSVOptions(delimiter: "\"")))
        } throws: { "\($0)".contains("the CSV delimiter must be one ASCII character") }
        await #expect(throws: RecordError.self) {
            _ = try await SinkHarness(Sink.csv("/tmp/never.csv", of: Person.self, options: CSVOptions(delimiter: "é")))
        }
    }
}

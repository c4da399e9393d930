import Foundation
import Testing
import Sluice
import SluiceTesting

@Suite struct JSONDocumentSourceTests {
    struct Ticket: Codable, Sendable, Equatable { var id: String; var priority: Int }

    @Test func readsTheArrayAtAPathInEveryDocumentInOrder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"meta":{"count":2,"tags":["x",{"a":[1]}]},"data":{"tickets":[{"id":"T1","priority":1},{"id":"T2","priority":2}]}}"#, to: "a.json")
        try directory.write("""
        {
          "data": { "tickets": [ { "id": "T3", "priority": 3 } ] }
        }
        """, to: "b.json")
        let result = try await SourceHarness.readAll(Source.json(directory.file("*.json"), records: "data.tickets", as: Ticket.self), chunkSize: 1)
        #expect(result.elements.map(\.id) == ["T1", "T2", "T3"])
        #expect(result.deadLetters.isEmpty)
    }

    @Test func aTopLevelArrayOfRecordsKeepsJSONTypesAndUnicode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(#"[{"name":"Zoë Ångström","n":1,"ok":true},{"name":"李小龍","n":2.5,"tags":["a"]}]"#, to: "r.json")
        let records = try await SourceHarness.readAll(Source.json(path)).elements
        #expect(records.count == 2)
        #expect(records[0]["name"] == .string("Zoë Ångström"))
        #expect(records[0]["ok"] == .bool(true))
        #expect(records[1]["n"] == .double(2.5))
        #expect(records[1]["name"]?.text == "李小龍")
    }

    @Test func aRecordThatDoesNotDecodeIsDeadLetteredWithItsLineAndIndex() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("""
        {"tickets": [
          {"id": "T1", "priority": 1},
          {"id": "T2",
           "priority": "high"},
          {"id": "T3", "priority": 3}
        ]}
        """, to: "t.json")
        let result = try await SourceHarness.readAll(Source.json(path, records: "tickets", as: Ticket.self).onError(.deadLetter))
        #expect(result.elements.map(\.id) == ["T1", "T3"])
        #expect(result.deadLetters.count == 1)
        #expect(result.deadLetters[0].location?.origin == path)
        #expect(result.deadLetters[0].location?.line == 3)
        #expect(result.deadLetters[0].location?.field == "tickets[1].priority")
        #expect(result.deadLetters[0].rawInput.contains("\"high\""))
    }

    @Test func aBrokenDocumentOrAMissingPathNamesTheFileAndFailsByDefault() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broken = try directory.write("{\"tickets\": [\n  {\"id\": \"T1\", \"priority\": 1}\n  {\"id\": \"T2\"}\n]}", to: "broken.json")
        do {
            _ = try await SourceHarness.readAll(Source.json(broken, records: "tickets", as: Ticket.self))
            Issue.record("a broken document must fail the read")
        } catch {
            #expect("\(error)".contains("broken.json:3"))
            #expect("\(error)".contains("expected ',' or ']'"))
        }
        let elsewhere = try directory.write(#"{"items": []}"#, to: "elsewhere.json")
        let result = try await SourceHarness.readAll(Source.json(elsewhere, records: "tickets", as: Ticket.self).onError(.deadLetter))
        #expect(result.elements.isEmpty)
        #expect(result.deadLetters.map(\.error) == ["'tickets' is not in the document: no field 'tickets'"])
        let notAList = try directory.write(#"{"tickets": {"id": "T1"}}"#, to: "object.json")
        let second = try await SourceHarness.readAll(Source.json(notAList, records: "tickets", as: Ticket.self).onError(.deadLetter))
        #expect(second.deadLetters.map(\.error) == ["'tickets' is an object, not a list of records"])
    }

    @Test func emptyDocumentsGiveNoRecords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"tickets": []}"#, to: "1.json")
        try directory.write(#"[]"#, to: "2.json")
        let result = try await SourceHarness.readAll(Source.json(directory.file("1.json"), records: "tickets", as: Ticket.self))
        #expect(result.elements.isEmpty && result.deadLetters.isEmpty)
        let top = try await SourceHarness.readAll(Source.json(directory.file("2.json"), as: Ticket.self))
        #expect(top.elements.isEmpty && top.deadLetters.isEmpty)
    }

    @Test func resumesAtEveryChunkBoundaryAcrossDocuments() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for file in 0..<3 {
            let tickets = (0..<(file * 2 + 1)).map { #"{"id":"T\#(file)-\#($0)","priority":\#($0 == 1 ? "\"x\"" : "\($0)")}"# }
            try directory.write(#"{"tickets":[\#(tickets.joined(separator: ",\n"))]}"#, to: "\(file).json")
        }
        let source = Source.json(directory.file("*.json"), records: "tickets", as: Ticket.self).onError(.deadLetter)
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: 2) == nil)
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: 1) == nil)
    }
}

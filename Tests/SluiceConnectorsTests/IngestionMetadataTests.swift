import Foundation
import Testing
import Sluice
import SluiceTesting

@Suite(.serialized) struct IngestionMetadataTests {
    struct Order: Codable, Sendable, Equatable { var id: String; var amount: Double }

    @Test func fileSourcesGiveEachValueItsFileLineAndIngestionTime() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let csv = try directory.write("id,amount\r\no1,1.5\r\n\"o\r\n2\",2\r\nbad,x\r\no3,3\r\n", to: "orders.csv")
        let jsonl = try directory.write(#"{"id":"o4","amount":4}"# + "\n\n" + #"{"id":"o5","amount":5}"# + "\n", to: "orders.jsonl")
        let json = try directory.write("{\"orders\": [\n  {\"id\": \"o6\", \"amount\": 6},\n\n  {\"id\": \"o7\", \"amount\": 7}\n]}", to: "orders.json")
        let clock = ManualClock(start: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000))
        func read<S: SourceStage>(_ source: S) async throws -> [Ingested<Order>] where S.Output == Order {
            try await SourceHarness.readAll(source.withIngestion().onError(.skip), clock: clock).elements
        }
        let fromCSV = try await read(Source.csv(csv, as: Order.self))
        #expect(fromCSV.map(\.value.id) == ["o1", "o\r\n2", "o3"])
        #expect(fromCSV.map(\.ingestion.line) == [2, 3, 6], "the line each record starts on; the bad one is skipped")
        #expect(fromCSV.allSatisfy { $0.ingestion.source == csv && $0.ingestion.ingestedAt == clock.now })
        let fromJSONLines = try await read(Source.jsonLines(jsonl, as: Order.self))
        #expect(fromJSONLines.map(\.ingestion.line) == [1, 3])
        let fromJSON = try await read(Source.json(json, records: "orders", as: Order.self))
        #expect(fromJSON.map(\.ingestion.line) == [2, 4])
        #expect(fromJSON.first?.ingestion.description == "\(json):2 at \(clock.now)")
        // Lines of text, and records (which also keep their origin).
        let lines = try await SourceHarness.readAll(Source.lines(jsonl).withIngestion(), clock: clock).elements
        #expect(lines.map(\.ingestion.line) == [1, 2, 3])
        let records = try await SourceHarness.readAll(Source.csv(csv).withIngestion().onError(.skip), clock: clock).elements
        #expect(records.map(\.ingestion.line) == records.map(\.value.origin?.line))
    }

    @Test func sourcesThatKnowNoOriginAreNamedByTheirStage() async throws {
        let values = try await SourceHarness.readAll(Source.collection([1, 2, 3]).named("numbers").withIngestion()).elements
        #expect(values.map(\.value) == [1, 2, 3])
        #expect(values.allSatisfy { $0.ingestion.source == "numbers" && $0.ingestion.line == nil })
    }

    @Test func apiRecordsGiveTheirURLAndPositionInThePage() async throws {
        let server = try LoopbackHTTPServer { request in .respond(.json(json(artistPage(Int(request.query["page"] ?? "1") ?? 1)))) }
        defer { server.stop() }
        let artists = try await SourceHarness.readAll(
            Source.http(server.url("/artists"), as: Artist.self, records: "data.items", pagination: .pageNumber()).withIngestion()).elements
        #expect(artists.map(\.value.id) == Array(1...7))
        #expect(artists[4].ingestion.source == server.url("/artists?page=2"))
        #expect(artists[4].ingestion.line == 2)
    }

    @Test func resumesExactlyAndRunsInAPipelineWithEventTime() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write((1...9).map { #"{"id":"o\#($0)","amount":\#($0)}"# }.joined(separator: "\n") + "\n{oops\n", to: "o.jsonl")
        let source = Source.jsonLines(path, as: Order.self).withIngestion().onError(.deadLetter)
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: 2, clock: ManualClock()) == nil)
        let collected = Collector<String>()
        let report = try await Pipeline("lineage") {
            Source.jsonLines(path, as: Order.self).withIngestion().onError(.deadLetter).named("orders")
                .eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: Int64($0.value.amount * 1_000)) }
            Map { (order: Ingested<Order>) in "\(order.value.id)@\(URL(fileURLWithPath: order.ingestion.source).lastPathComponent):\(order.ingestion.line ?? 0)" }
            Sink.collect(into: collected)
        }.run()
        #expect(collected.elements.sorted() == (1...9).map { "o\($0)@o.jsonl:\($0)" }.sorted())
        #expect(report.deadLetters.first?.location?.line == 10, "bad lines still go to the error policy")
    }
}

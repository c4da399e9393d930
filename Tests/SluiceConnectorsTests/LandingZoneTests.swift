import Foundation
import Synchronization
import Testing
import Sluice
import SluiceTesting

@Suite(.serialized) struct LandingZoneTests {
    @Test func apiPagesLandAsTheyCameWithLineageAndReadBack() async throws {
        let server = try LoopbackHTTPServer { request in
            .respond(.json(json(artistPage(Int(request.query["page"] ?? "1") ?? 1))))
        }
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let zone = directory.file("landing")
        for checkpoints in [nil, CheckpointPolicy.every(.milliseconds(5), in: directory.file("state"))] {
            try? FileManager.default.removeItem(atPath: zone)
            let report = try await Pipeline("land artists") {
                Source.httpPages(server.url("/artists"), records: "data.items", pagination: .pageNumber())
                Sink.landingZone(zone, source: "artists").named("landing")
            }.run(checkpoints: checkpoints)
            #expect(report[stage: "landing"]?.recordsIn == 4, "three pages and the empty one")

            let files = try FileManager.default.subpathsOfDirectory(atPath: zone).sorted()
            #expect(files.allSatisfy { !($0 as NSString).lastPathComponent.hasPrefix(".") }, "nothing hidden is left")
            let parts = files.filter { $0.hasSuffix(".jsonl") }
            #expect(!parts.isEmpty && parts.allSatisfy { $0.hasPrefix("source=artists/ingest_date=") })
            var landed = 0
            for part in parts {
                let lineage = try JSONDecoder().decode(LandingLineage.self, from: Data(contentsOf: URL(fileURLWithPath: zone + "/" + part + ".lineage.json")))
                #expect(lineage.source == "artists" && lineage.part == part)
                #expect(lineage.checksum == LandingLineage.fileChecksum(zone + "/" + part))
                #expect(lineage.origins.allSatisfy { $0.hasPrefix(server.url("/artists")) })
                landed += lineage.payloads
            }
            #expect(landed == 4)

            // A later pipeline reads the zone back and transforms the payloads.
            let artists = Collector<Artist>()
            _ = try await Pipeline("transform") {
                Source.landingZone(zone, source: "artists")
                FlatMap { (landed: LandedPayload) throws -> [Artist] in
                    let page = try JSONRecordDecoder().decode(Record.self, from: landed.payload)
                    guard case .record(let data)? = page["data"], case .array(let items)? = data["items"] else { return [] }
                    return try items.map { item in
                        guard case .record(let record) = item else { throw RecordError("not an artist") }
                        return try record.decode(as: Artist.self)
                    }
                }
                Sink.collect(into: artists)
            }.run()
            #expect(artists.elements.map(\.id).sorted() == Array(1...7))
        }
    }

    @Test func aRunThatFailsMidwayResumesAndLandsEveryPageExactlyOnce() async throws {
        let failed = Mutex(false)
        let server = try LoopbackHTTPServer { request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            // Page 3 fails once with an error that is not retried: the first run fails there.
            if page == 3, failed.withLock({ already in
                defer { already = true }
                return !already
            }) {
                return .respond(.json(#"{"error":"gone for now"}"#, status: 404))
            }
            return .delay(.milliseconds(20), .json(json(artistPage(page))))
        }
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let zone = directory.file("landing")
        let land = Pipeline("land artists") {
            Source.httpPages(server.url("/artists"), records: "data.items", pagination: .pageNumber())
            Sink.landingZone(zone, source: "artists").named("landing")
        }
        let policy = CheckpointPolicy.every(.milliseconds(5), in: directory.file("state"))
        await #expect(throws: PipelineRunError.self) { _ = try await land.run(checkpoints: policy) }
        _ = try await land.run(checkpoints: policy)
        let payloads = Collector<LandedPayload>()
        _ = try await Pipeline("read back") {
            Source.landingZone(zone, source: "artists")
            Sink.collect(into: payloads)
        }.run()
        #expect(payloads.elements.map(\.offset).sorted { ($0 ?? "") < ($1 ?? "") } == ["page 1", "page 2", "page 3", "page 4"])
        let files = try FileManager.default.subpathsOfDirectory(atPath: zone)
        #expect(files.allSatisfy { !($0 as NSString).lastPathComponent.hasPrefix(".") }, "no hidden part is left")
    }

    @Test func aSourceNameThatCannotBeAFolderIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await Pipeline("bad") {
                Source.collection([LandedPayload(origin: "x", ingestedAt: 0, payload: "{}")])
                Sink.landingZone(directory.path, source: "../up").named("landing")
            }.run()
        }
        #expect(error?.stage == "landing")
    }
}

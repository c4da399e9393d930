// Generated from Documentation/Connectors/LandingZone.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_LandingZone {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/LandingZone.md, line 18
    static func block1() async throws {
        struct Artist: Codable, Sendable { var id: Int; var name: String }
        struct Page: Decodable { var data: Items }
        struct Items: Decodable { var items: [Artist] }
        try await Pipeline("land artists") {
            Source.httpPages("https://api.example.com/v1/artists", records: "data.items", pagination: .pageNumber())
            Sink.landingZone("lake/raw", source: "artists")
        }.run(checkpoints: .every(.seconds(5), in: "state/land-artists"))

        try await Pipeline("artists") {
            Source.landingZone("lake/raw", source: "artists")          // LandedPayload, in part order
            FlatMap { (landed: LandedPayload) throws -> [Artist] in      // parse the payloads
                try JSONRecordDecoder().decode(Page.self, from: landed.payload).data.items
            }
            Sink.jsonLines("lake/artists.jsonl", of: Artist.self)
        }.run()
    }
}

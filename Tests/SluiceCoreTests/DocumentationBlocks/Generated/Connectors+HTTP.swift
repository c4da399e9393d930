// Generated from Documentation/Connectors/HTTP.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing

enum Doc_Connectors_HTTP {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/HTTP.md, line 7
    struct Artist: Decodable, Sendable { var id: Int; var name: String; var updated_at: String }

    // Documentation/Connectors/HTTP.md, line 7
    static func block1() async throws {

        let artists = Source.http(
            "https://api.example.com/v1/artists?region=eu", as: Artist.self,
            records: "data.items",                                  // where the array is in each response
            pagination: .cursor(path: "meta.next"),                 // or .pageNumber(), .offset(limit: 100), .linkHeader
            options: HTTPRequestOptions(headers: ["Accept-Language": "en"], bearerTokenEnvironment: "ARTISTS_API_TOKEN"),
            rateLimit: RateLimit(perSecond: 5, burst: 2),           // a token bucket
            retry: RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(200), maxBackoff: .seconds(30)),
            incremental: IncrementalCursor(field: "updated_at", parameter: "since"))
        _ = artists
    }

    // Documentation/Connectors/HTTP.md, line 69
    static func block2() async throws {
        struct Artist: Codable, Sendable { var id: Int; var name: String }

        let calls = Mutex(0)
        let server = try LoopbackHTTPServer { request in
            switch calls.withLock({ $0 += 1; return $0 }) {
            case 1: return .respond(.status(500))
            case 2: return .drop                                                 // connection closed, no answer
            case 3: return .respond(.status(429, headers: ["Retry-After": "1"]))
            case 4: return .delay(.seconds(2), .status(503))                     // slow
            case 5: return .trickle(.init(status: 503, body: Array("busy".utf8)), every: .milliseconds(10)) // a byte at a time
            default: return .respond(.json(#"{"data":{"items":[{"id":1,"name":"a"}]}}"#))
            }
        }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(Source.http(server.url("/artists"), as: Artist.self, records: "data.items"))
        #expect(server.requests.count == 6)
        _ = server
        _ = result
    }
}

// Generated from Documentation/Connectors/JSONLines.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_JSONLines {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Order: Codable, Sendable { var id: String; var customer: String; var ts: Int64; var amount: Double }

    // Documentation/Connectors/JSONLines.md, line 10
    struct Event: Codable, Sendable { var user: String; var ts: Int64; var amount: Double }

    // Documentation/Connectors/JSONLines.md, line 10
    static func block1() async throws {

        try await Pipeline("events") {
            Source.jsonLines("landing/events-*.jsonl", as: Event.self).onError(.deadLetter)
            Sink.partitionedJSONLines("warehouse/events", of: Event.self) { event in
                "dt=\(CivilDate(Timestamp(millisecondsSinceEpoch: event.ts)))"
            }
        }.run(checkpoints: .every(.seconds(5), in: "state/events"))
    }

    // Documentation/Connectors/JSONLines.md, line 40
    static func block2() async throws {
        struct Event: Codable, Sendable { var user: String; var ts: Int64; var amount: Double }
        let event = try JSONRecordDecoder().decode(Event.self, from: #"{"user":"u1","ts":1,"amount":12.5}"#)
        let text = try JSONRecordEncoder().encode(event)
        _ = event
        _ = text
    }

    // Documentation/Connectors/JSONLines.md, line 84
    static func block3() async throws {
        _ = Source.followJSONLines("logs/orders.jsonl", as: Order.self, endAfterIdle: .seconds(30))
            .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
    }
}

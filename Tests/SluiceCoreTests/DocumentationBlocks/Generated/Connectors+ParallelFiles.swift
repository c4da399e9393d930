// Generated from Documentation/Connectors/ParallelFiles.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_ParallelFiles {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Event: Codable, Sendable { var user: String; var ts: Int64; var amount: Double }
    struct Revenue: Codable, Sendable { var user: String; var minute: Int64; var count: Int; var sum: Double }

    // Documentation/Connectors/ParallelFiles.md, line 13
    static func block1() async throws {
        try await Pipeline("revenue per user and minute") {
            Source.jsonLines("landing/events-*.jsonl", as: Event.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
                .parallelism(4)
            KeyBy(\Event.user).window(.tumbling(.seconds(60)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
                Sum(\.amount)
            }.parallelism(4)
            Map { (result: WindowResult<String, (Int, Double)>) in
                Revenue(user: result.key, minute: result.start.millisecondsSinceEpoch, count: result.value.0, sum: result.value.1)
            }
            Sink.jsonLines("out/revenue.jsonl", of: Revenue.self)
        }.run(checkpoints: .every(.seconds(10), in: "state/revenue"))
    }
}

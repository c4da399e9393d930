// Generated from README.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_README {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // README.md, line 13
    struct Order: Codable, Sendable { var id: String; var customer: String; var amount: Double }

    // README.md, line 13
    static func block1() async throws {


        let pipeline = Pipeline("big-orders") {
            Source.jsonLines("landing/orders-*.jsonl", as: Order.self).onError(.deadLetter)
            Filter { (order: Order) in order.amount > 100 }
            KeyBy(\Order.customer)
            Map { (order: Keyed<String, Order>) in order.value }.parallelism(2)
            Sink.jsonLines("warehouse/big-orders.jsonl", of: Order.self)
        }.deadLetters(to: Sink.jsonLines("warehouse/rejected.jsonl", of: DeadLetter.self))

        print(pipeline)                      // what will run
        let report = try await pipeline.run()
        print(report)                        // per stage: in, out, errored, dead-lettered, blocked time
        _ = pipeline
        _ = report
    }
}

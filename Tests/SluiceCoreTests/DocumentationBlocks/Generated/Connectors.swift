// Generated from Documentation/Connectors.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors.md, line 74
    static func block1() async throws {
        struct Order: Codable, Sendable { var id: String; var placedAt: Date }
        struct Landed: Codable, Sendable { var id: String; var file: String; var line: Int?; var at: Timestamp }
        _ = Pipeline("orders with lineage") {
            Source.csv("exports/orders-*.csv", as: Order.self).withIngestion()          // → Ingested<Order>
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp($0.value.placedAt) }
            Map { (order: Ingested<Order>) in
                Landed(id: order.value.id, file: order.ingestion.source, line: order.ingestion.line, at: order.ingestion.ingestedAt)
            }
            Sink.jsonLines("warehouse/orders.jsonl", of: Landed.self)
        }
    }
}

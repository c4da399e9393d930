// Generated from Documentation/Connectors/DirectoryWatch.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_DirectoryWatch {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/DirectoryWatch.md, line 7
    static func block1() async throws {
        try await Pipeline("orders") {
            Source.watchDirectory("landing/orders", matching: "*.jsonl", as: Order.self, endAfterIdle: .seconds(600))
                .onError(.deadLetter)
            Sink.jsonLines("warehouse/orders.jsonl", of: Order.self)
        }.run(checkpoints: .every(.seconds(10), in: "state/orders"))
    }
}

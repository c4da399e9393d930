// Generated from Documentation/Connectors/Memory.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_Memory {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/Memory.md, line 5
    static func block1() async throws {
        let totals = Collector<Int>()
        try await Pipeline("squares") {
            Source.collection(1...100)
            Map { (n: Int) in n * n }
            Sink.collect(into: totals)
        }.run()
        print(totals.elements.reduce(0, +))      // 338350
        _ = totals
    }
}

@Suite struct Doc_Connectors_Memory_Runs {
    @Test func block1() async throws { try await Doc_Connectors_Memory.block1() }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

struct Delivery: Codable, Sendable, Equatable {
    var id: String
    var ms: Int64
}

@Suite struct DeduplicationTests {
    func keyed(_ deliveries: [Delivery]) -> [Keyed<String, Delivery>] { deliveries.map { Keyed(key: $0.id, value: $0) } }

    @Test func repeatsWithinTheSpanAreDroppedAndLaterOnesPass() throws {
        let stage = KeyBy(\Delivery.id).deduplicate(within: .seconds(10)) { Timestamp(millisecondsSinceEpoch: $0.ms) }.stage
        var harness = try StageHarness(stage)
        try harness.push(contentsOf: keyed([Delivery(id: "a", ms: 0), Delivery(id: "a", ms: 9_000), Delivery(id: "b", ms: 1_000)]))
        #expect(harness.takeOutput().map(\.ms) == [0, 1_000])
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 10_000))     // a's span is over
        try harness.push(contentsOf: keyed([Delivery(id: "a", ms: 12_000), Delivery(id: "b", ms: 10_500)]))
        try harness.endInput()
        #expect(harness.takeOutput().map(\.ms) == [12_000])
    }

    @Test func globalDeduplicationKeepsTheFirstForEver() throws {
        let output = try StageHarness.run(KeyBy(\Delivery.id).deduplicate().stage,
                                          on: keyed([Delivery(id: "x", ms: 5), Delivery(id: "y", ms: 1), Delivery(id: "x", ms: 1)]),
                                          chunkSize: 1)
        #expect(output.map(\.id) == ["x", "y"])
        #expect(output.first?.ms == 5)
    }

    @Test func theSeenKeysSurviveARestore() throws {
        let stage = KeyBy(\Delivery.id).deduplicate().stage
        var before = try StageHarness(stage)
        try before.push(contentsOf: keyed([Delivery(id: "a", ms: 0), Delivery(id: "b", ms: 0)]))
        let saved = try before.snapshot()
        // Two instances after the restore: each keeps only the keys it owns.
        var outputs: [String] = []
        for instance in 0..<2 {
            var after = try StageHarness(stage, instance: instance, parallelism: 2)
            try after.restore(from: [saved], instance: instance, parallelism: 2)
            let mine = keyed([Delivery(id: "a", ms: 1), Delivery(id: "b", ms: 1), Delivery(id: "c", ms: 1)])
                .filter { KeyPartition.instance(of: $0.key, among: 2) == instance }
            try after.push(contentsOf: mine)
            try after.endInput()
            outputs += after.takeOutput().map(\.id)
        }
        #expect(outputs == ["c"])
    }
}

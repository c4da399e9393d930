// Generated from Documentation/Windows.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Windows {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Windows.md, line 7
    struct Order: Decodable, Sendable { var customer: String; var ts: Int64; var amount: Double }
    struct Summary: Encodable, Sendable { var customer: String; var minute: Int64; var orders: Int; var total: Double }

    // Documentation/Windows.md, line 7
    static func block1() async throws {

        _ = Source.jsonLines("orders.jsonl", as: Order.self)
            .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
    }

    // Documentation/Windows.md, line 25
    static func block2() async throws {
        let perMinute = Pipeline("orders per customer and minute") {
            Source.jsonLines("orders.jsonl", as: Order.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
            KeyBy(\Order.customer).window(.tumbling(.seconds(60)), allowedLateness: .seconds(30),
                                          eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
                Sum(\.amount)
            }.parallelism(2)
            Map { (result: WindowResult<String, (Int, Double)>) in
                Summary(customer: result.key, minute: result.start.millisecondsSinceEpoch,
                        orders: result.value.0, total: result.value.1)
            }
            Sink.jsonLines("out/per-minute.jsonl", of: Summary.self)
        }
        _ = perMinute
    }

    // Documentation/Windows.md, line 58
    static func block3() async throws {
        _ = KeyBy(\Order.customer).window(.tumbling(.seconds(3600)), earlyFiring: .every(.seconds(10)),
                                      eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) { Sum(\.amount) }
    }

    // Documentation/Windows.md, line 91
    static func block4() async throws {
        _ = Pipeline("orders per minute") {
            Source.jsonLines("orders.jsonl", as: Order.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
            KeyBy(\Order.customer)
                .window(.tumbling(.seconds(60)), allowedLateness: .seconds(30),
                        eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) { Count() }
                .lateEvents {
                    Map { (order: Order) in order.customer }      // any flow that ends in a sink
                    Sink.jsonLines("late-customers.jsonl", of: String.self)
                }
            Sink.jsonLines("counts.jsonl", of: WindowResult<String, Int>.self)
        }
    }

    // Documentation/Windows.md, line 123
    static func block5() async throws {
        let order = Order(customer: "c1", ts: 1_000, amount: 5)
        var harness = try StageHarness(
            KeyBy(\Order.customer).window(.tumbling(.seconds(60)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
                Count()
            }.stage)
        try harness.push(Keyed(key: "c1", value: order))
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 60_000))   // closes [0, 60s)
        print(harness.takeOutput())
        _ = order
        _ = harness
    }
}

@Suite struct Doc_Windows_Runs {
    @Test func block5() async throws { try await Doc_Windows.block5() }
}

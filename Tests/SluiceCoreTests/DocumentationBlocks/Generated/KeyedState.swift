// Generated from Documentation/KeyedState.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_KeyedState {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    static let orders = [PlacedOrder(id: "o1", time: Timestamp(millisecondsSinceEpoch: 0))]
    static let unique = Collector<PlacedOrder>()
    static let order = orders[0]

    // Documentation/KeyedState.md, line 11
    struct PlacedOrder: Sendable { var id: String; var time: Timestamp }
    struct DropRepeatedOrders: KeyedProcessFunction {
        struct State: Codable { var firstSeen: Timestamp? }     // Codable: checkpoints save it

        func initialState(for id: String) -> State { State() }

        func process(_ order: PlacedOrder, key id: String, state: inout State,
                     context: inout KeyedContext, into output: inout Emitter<PlacedOrder>) {
            guard state.firstSeen == nil else { return }          // a repeat: drop it
            state.firstSeen = order.time
            output.emit(order)
            context.setTimer(at: order.time.advanced(by: .seconds(86_400)))
        }

        func onTimer(at time: Timestamp, key id: String, state: inout State,
                     context: inout KeyedContext, into output: inout Emitter<PlacedOrder>) {
            context.clearState()                                    // a day later: forget the id
        }
    }

    // Documentation/KeyedState.md, line 11
    static func block1() async throws {

        /// Drops an order whose id was already seen in the last 24 hours of event time.

        let pipeline = Pipeline("unique orders") {
            Source.collection(orders).eventTime(maxOutOfOrderness: .seconds(5)) { $0.time }
            KeyBy(\PlacedOrder.id).process(DropRepeatedOrders()).parallelism(2)
            Sink.collect(into: unique)
        }
        _ = pipeline
    }

    // Documentation/KeyedState.md, line 69
    struct QuietAlert: KeyedProcessFunction {
        var usesProcessingTime: Bool { true }
        func initialState(for key: String) -> Timestamp? { nil }
        func process(_ event: Int, key: String, state: inout Timestamp?, context: inout KeyedContext,
                     into output: inout Emitter<String>) {
            if let previous = state { context.cancelProcessingTimeTimer(at: previous) }
            state = context.processingTime.advanced(by: .seconds(5))
            context.setProcessingTimeTimer(at: state!)
        }
        func onProcessingTimer(at time: Timestamp, key: String, state: inout Timestamp?,
                               context: inout KeyedContext, into output: inout Emitter<String>) {
            output.emit("\(key) has been quiet since \(time)")
            context.clearState()
        }
    }

    // Documentation/KeyedState.md, line 94
    static func block3() async throws {
        var harness = try KeyedProcessHarness(DropRepeatedOrders())
        try harness.push(order, key: order.id)
        #expect(harness.state(for: order.id)?.firstSeen == order.time)
        #expect(harness.timers(for: order.id) == [order.time.advanced(by: .seconds(86_400))])
        try harness.pushWatermark(order.time.advanced(by: .seconds(86_400)))   // fires the timer
        #expect(harness.state(for: order.id) == nil)
        _ = harness
    }
}

@Suite struct Doc_KeyedState_Runs {
    @Test func block3() async throws { try await Doc_KeyedState.block3() }
}

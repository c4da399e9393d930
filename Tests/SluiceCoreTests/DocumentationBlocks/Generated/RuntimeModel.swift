// Generated from Documentation/RuntimeModel.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_RuntimeModel {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Order: Codable, Sendable { var id: String; var customer: String; var amount: Double }
    struct Row: Codable, Sendable { var id: String; var amount: Double }
    static func parse(_ line: String) throws -> Row {
        guard let amount = Double(line) else { throw RecordError("'\(line)' is not a number") }
        return Row(id: line, amount: amount)
    }
    struct UploadClient: Sendable { func upload<T>(_ batch: [T]) async throws {} }
    static let api = UploadClient()
    static let results = Collector<Order>()

    // Documentation/RuntimeModel.md, line 35
    static func block1() async throws {
        let report = try await pipeline.run(options: RunOptions(chunkSize: 4096, channelCapacity: 8))
        print(report[stage: "read orders"]!.blockedOnBackpressure)
        _ = report
    }

    // Documentation/RuntimeModel.md, line 54
    struct Reading: Decodable, Sendable { var sensor: String; var ts: Int64; var value: Double }

    // Documentation/RuntimeModel.md, line 54
    static func block2() async throws {

        _ = Source.jsonLines("readings.jsonl", as: Reading.self)
            .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
    }

    // Documentation/RuntimeModel.md, line 96
    struct Event: Codable, Sendable { var id: String; var payload: String }

    // Documentation/RuntimeModel.md, line 96
    static func block3() async throws {

        _ = Pipeline("bulk upload") {
            Source.jsonLines("events.jsonl", as: Event.self)
            Batch(maxCount: 500, maxBytes: 1 << 20, size: { (event: Event) in event.payload.utf8.count }, maxDelay: .seconds(1))
            Sink.forEach { (batch: [Event]) in try await api.upload(batch) }
        }
    }

    // Documentation/RuntimeModel.md, line 133
    static func block4() async throws {
        _ = Pipeline("per customer") {
            Source.jsonLines("orders.jsonl", as: Order.self)
            KeyBy(\Order.customer)
            Map { (order: Keyed<String, Order>) in order.value }.parallelism(4)   // one customer, one instance
            Sink.collect(into: results)
        }
    }

    // Documentation/RuntimeModel.md, line 157
    static func block5() async throws {
        _ = Source.csv("in.csv", as: Row.self).onError(.deadLetter)   // malformed rows
        _ = Map(parse).onError(.skip)                                   // a throwing transform
    }

    // Documentation/RuntimeModel.md, line 179
    static func block6() async throws {
        _ = Source.csv("in.csv", as: Row.self).onError(.deadLetter).errorBudget(.records(100))
        _ = Map(parse).onError(.deadLetter).errorBudget(.fraction(0.01, after: 1_000))   // judged from 1,000 records on, and at the end
    }

    // Documentation/RuntimeModel.md, line 198
    static func block7() async throws {
        _ = Pipeline("orders") {
            Source.jsonLines("orders.jsonl", as: Order.self)
            FanOut {
                Sink.jsonLines("all.jsonl", of: Order.self)
                Flow("big") { Filter { (order: Order) in order.amount > 100 }; Sink.jsonLines("big.jsonl", of: Order.self) }
            }
        }
    }

    // Documentation/RuntimeModel.md, line 218
    static func block8() async throws {
        let orders = DataStream("orders") { Source.jsonLines("orders.jsonl", as: Order.self) }
        let big = orders.filter { $0.amount > 100 }          // a stream too: no annotations

        let pipeline = Pipeline("orders") {
            orders.write(to: Sink.jsonLines("all.jsonl"))
            big.map { $0.id }.write(to: Sink.jsonLines("big-ids.jsonl"))
            Flow("customers of big orders") {
                orders
                KeyBy(\Order.customer).join(Flow { big; KeyBy(\Order.customer) })
                Map { (joined: Joined<String, Order, Order>) in joined.key }
                Sink.jsonLines("customers.jsonl", of: String.self)
            }
        }
        _ = orders
        _ = big
        _ = pipeline
    }

    // Documentation/RuntimeModel.md, line 248
    struct Problem: Codable, Sendable { var id: String; var reason: String }

    // Documentation/RuntimeModel.md, line 248
    static func block9() async throws {

        let orders = DataStream("orders") { Source.jsonLines("orders.jsonl", as: Order.self) }
        let (big, regular, problems) = orders.split(("big", "regular", "problems")) { order -> Route3<Order, Order, Problem> in
            if order.amount <= 0 { return .third(Problem(id: order.id, reason: "no amount")) }
            return order.amount > 100 ? .first(order) : .second(order)
        }
        let pipeline = Pipeline("orders by size") {
            big.write(to: Sink.jsonLines("big.jsonl"))
            regular.map { $0.id }.write(to: Sink.jsonLines("regular-ids.jsonl"))
            problems.write(to: Sink.jsonLines("problems.jsonl"))
        }
        _ = orders
        _ = big
        _ = regular
        _ = problems
        _ = pipeline
    }

    // Documentation/RuntimeModel.md, line 277
    static func block10() async throws {
        try await pipeline.run(options: RunOptions(progress: RunProgress.printToStandardError))
        // 1,204,000 records read (402,113/s), 1,203,871 written, 3.0 s
    }
}

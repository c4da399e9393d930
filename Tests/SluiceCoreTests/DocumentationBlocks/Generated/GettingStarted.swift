// Generated from Documentation/GettingStarted.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_GettingStarted {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct OrderRow: Codable, Sendable { var orderId: String; var email: String; var category: String; var amount: Decimal; var placedAt: Date; var time: Timestamp { Timestamp(placedAt) } }
    struct Order: Codable, Sendable {
        var id: String; var email: String; var category: String; var amount: Decimal; var placedAt: Date
        init(_ row: OrderRow) { id = row.orderId; email = row.email; category = row.category; amount = row.amount; placedAt = row.placedAt }
        var time: Timestamp { Timestamp(placedAt) }
    }
    struct Click: Codable, Sendable { var user: String; var page: String; var ts: Int64; var time: Timestamp { Timestamp(millisecondsSinceEpoch: ts) } }
    struct CategoryHour: Codable, Sendable { var category: String; var hour: String; var orders: Int; var revenue: Decimal }
    struct UserActivity: Codable, Sendable { var user: String; var windowStart: String; var pageViews: Int; var orderId: String?; var amount: Decimal? }
    enum Generator { static let categories = ["books", "toys"] }
    static func iso(_ time: Timestamp) -> String { time.date.formatted(.iso8601) }
    static let data = "data"
    static let output = "out"

    // Documentation/GettingStarted.md, line 32
    struct Row: Decodable, Sendable { var id: String; var amount: Double }
    struct Payment: Codable, Sendable { var id: String; var cents: Int }

    // Documentation/GettingStarted.md, line 32
    static func block2() async throws {


        let pipeline = Pipeline("payments") {
            Source.csv("payments.csv", as: Row.self).onError(.deadLetter)
            Filter { (row: Row) in row.amount > 0 }
            Map { (row: Row) in Payment(id: row.id, cents: Int((row.amount * 100).rounded())) }
            Sink.jsonLines("out/payments.jsonl", of: Payment.self)
        }

        let report = try await pipeline.run()
        print(report)
        for letter in report.deadLetters { print(letter) }
        _ = pipeline
        _ = report
    }

    // Documentation/GettingStarted.md, line 84
    static func block4() async throws {
        let payments = DataStream("payments") { Source.csv("payments.csv", as: Row.self).onError(.deadLetter) }
        let pipeline = Pipeline("payments") {
            payments
                .filter { $0.amount > 0 }
                .map { Payment(id: $0.id, cents: Int(($0.amount * 100).rounded())) }
                .write(to: Sink.jsonLines("out/payments.jsonl"))
        }
        _ = payments
        _ = pipeline
    }

    // Documentation/GettingStarted.md, line 106
    static func block5() async throws {
        let csv = CSVOptions(delimiter: ";", numberFormat: .decimalComma, keyDecoding: .convertFromSnakeCase)
        let orders = DataStream("orders") {
            Source.csv("\(data)/orders.csv", as: OrderRow.self, options: csv).named("read orders").onError(.deadLetter)
                .eventTime(maxOutOfOrderness: .seconds(30)) { $0.time }
        }
        .validated(by: [
            .custom("email") { Standardise.email($0.email) == nil ? "'\($0.email)' is not an e-mail address" : nil },
            .range("amount", Decimal(1) / 100...Decimal(100_000)) { $0.amount },
            .allowed("category", Set(Generator.categories)) { $0.category },
        ])
        .map { Order($0) }
        .keyBy(\.id).named("drop duplicate orders").deduplicate()

        let clicks = DataStream("clicks") {
            Source.jsonLines("\(data)/clicks.jsonl", as: Click.self).named("read clicks").onError(.deadLetter)
                .eventTime(maxOutOfOrderness: .seconds(30)) { $0.time }
        }

        let pipeline = Pipeline("retail-analytics") {
            orders.keyBy(\.category).named("revenue per hour").parallelism(2)
                .window(.tumbling(.seconds(3600)), eventTime: { $0.time }) {
                    Count()
                    Sum(\.amount)
                }
                .map { CategoryHour(category: $0.key, hour: iso($0.start), orders: $0.value.0, revenue: $0.value.1) }
                .write(to: Sink.jsonLines("\(output)/revenue.jsonl").named("write revenue"))

            clicks.keyBy(\.user).named("views per 10 minutes")
                .window(.tumbling(.seconds(600)), eventTime: { $0.time }) { Count() }
                .keyBy(\.key).named("with orders")
                .windowJoin(orders.keyBy(\.email), window: .seconds(600), kind: .left,
                            leftTime: { Timestamp(millisecondsSinceEpoch: $0.end.millisecondsSinceEpoch - 1) }, rightTime: { $0.time })
                .map { UserActivity(user: $0.key, windowStart: iso($0.left.start), pageViews: $0.left.value,
                                    orderId: $0.right?.id, amount: $0.right?.amount) }
                .write(to: Sink.jsonLines("\(output)/activity.jsonl").named("write activity"))
        }.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl").named("write dead letters"))
        _ = csv
        _ = orders
        _ = clicks
        _ = pipeline
    }

    // Documentation/GettingStarted.md, line 153
    static func block6() async throws {
        print(pipeline)          // one line per stage: role, inputs, parallelism, error policy
        print(pipeline.dot())    // Graphviz; render with: dot -Tsvg > pipeline.svg
        print(pipeline.validate()) // every problem at once: duplicate names, bad parallelism, …
    }
}

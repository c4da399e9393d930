// Generated from Documentation/Joins.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Joins {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Joins.md, line 21
    struct Purchase: Codable, Sendable { var customer: String; var item: String; var ms: Int64 }
    struct Customer: Codable, Sendable { var id: String; var name: String }
    struct Click: Codable, Sendable { var user: String; var page: String; var ms: Int64 }
    struct Line: Codable, Sendable { var item: String; var customer: String? }

    // Documentation/Joins.md, line 33
    static func block2() async throws {
        _ = Pipeline("purchases with customers") {
            Source.jsonLines("purchases.jsonl", as: Purchase.self)
            KeyBy(\Purchase.customer).join(Flow("customers") {
                Source.csv("customers.csv", as: Customer.self)
                KeyBy(\Customer.id)
            }, kind: .left).parallelism(2)
            Map { (row: Joined<String, Purchase, Customer>) in Line(item: row.left.item, customer: row.right?.name) }
            Sink.jsonLines("out/lines.jsonl", of: Line.self)
        }
    }

    // Documentation/Joins.md, line 53
    static func block3() async throws {
        _ = KeyBy(\Purchase.customer).enrich(with: Flow {
            Source.jsonLines("customer-updates.jsonl", as: Customer.self)
            KeyBy(\Customer.id)
        })
    }

    // Documentation/Joins.md, line 67
    static func block4() async throws {
        _ = KeyBy(\Purchase.customer).windowJoin(Flow {
            Source.jsonLines("clicks.jsonl", as: Click.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ms) }
            KeyBy(\Click.user)
        }, window: .seconds(60), kind: .inner,
           leftTime: { Timestamp(millisecondsSinceEpoch: $0.ms) },
           rightTime: { Timestamp(millisecondsSinceEpoch: $0.ms) })
    }

    // Documentation/Joins.md, line 85
    static func block5() async throws {
        _ = Pipeline("customers and what they bought") {
            Source.jsonLines("purchases.jsonl", as: Purchase.self)
            KeyBy(\Purchase.customer).join(Flow {
                Source.csv("customers.csv", as: Customer.self)
                KeyBy(\Customer.id)
            }, kind: .full)
            Map { (row: OuterJoined<String, Purchase, Customer>) in Line(item: row.left?.item ?? "-", customer: row.right?.name) }
            Sink.jsonLines("out/all.jsonl", of: Line.self)
        }
    }

    // Documentation/Joins.md, line 107
    static func block6() async throws {
        _ = KeyBy(\Purchase.customer).intervalJoin(Flow {
            Source.jsonLines("clicks.jsonl", as: Click.self)
                .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ms) }
            KeyBy(\Click.user)
        }, between: .seconds(-30) ... .zero, kind: .left,
           leftTime: { Timestamp(millisecondsSinceEpoch: $0.ms) },
           rightTime: { Timestamp(millisecondsSinceEpoch: $0.ms) })
    }
}

// Generated from Documentation/Connectors/PostgreSQLChanges.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_PostgreSQLChanges {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Order: Codable, Sendable { var id: Int64; var customer_id: Int64; var status: String; var total: Decimal; var note: String? }
    struct Customer: Codable, Sendable { var id: Int64; var name: String; var city: String? }
    static let shop = try! PostgresConfiguration(url: "postgres://etl@localhost/shop")
    static let warehouse = try! PostgresConfiguration(url: "postgres://etl@localhost/dw")

    // Documentation/Connectors/PostgreSQLChanges.md, line 14
    static func block1() async throws {
        try await Pipeline("orders into the warehouse") {
            Source.postgresChanges(shop, tables: ["public.orders"], slot: "orders_cdc", as: Order.self, heartbeat: .seconds(10))
            Sink.postgres(warehouse, table: "orders", applying: Order.self, mode: .upsert(key: ["id"]))
        }.run(checkpoints: .every(.seconds(5), in: "state/orders-cdc"))
    }

    // Documentation/Connectors/PostgreSQLChanges.md, line 186
    static func block2() async throws {
        _ = Pipeline("customers with history") {
            Source.postgresChanges(shop, tables: ["public.customers"], slot: "customers_cdc", as: Customer.self)
            Sink.postgres(warehouse, table: "dim_customer", applying: Customer.self, mode: .history(key: ["id"]))
        }
    }

    // Documentation/Connectors/PostgreSQLChanges.md, line 210
    static func block3() async throws {
        _ = Pipeline("land orders") {
            Source.postgresChanges(shop, tables: ["public.orders"], slot: "orders_land", as: Order.self)
            Map { (change: Change<Order>) throws -> LandedPayload in try LandedPayload(change: change, origin: "\(shop)") }
            Sink.landingZone("lake/raw", source: "orders")
        }
    }

    // Documentation/Connectors/PostgreSQLChanges.md, line 222
    struct OrderWithCustomer: Codable, Sendable { var order: Int64; var customer: String? }

    // Documentation/Connectors/PostgreSQLChanges.md, line 222
    static func block4() async throws {
        _ = Pipeline("orders with their customer") {
            Source.postgresChanges(shop, tables: ["public.orders"], slot: "orders_enrich", as: Order.self)
            Filter { (change: Change<Order>) in change.operation == .insert }
            Map { (change: Change<Order>) in change.after! }
            KeyBy(\Order.customer_id).enrich(with: Flow("customers") {
                Source.postgresChanges(shop, tables: ["public.customers"], slot: "customers_enrich", as: Customer.self)
                KeyBy { (change: Change<Customer>) -> Int64 in
                    if case .int(let id)? = change.key["id"] { return id }
                    return -1
                }
            }, waitForTable: false)
            Map { (row: Joined<Int64, Order, Change<Customer>>) in OrderWithCustomer(order: row.left.id, customer: row.right?.after?.name) }
            Sink.jsonLines("orders-with-customers.jsonl", of: OrderWithCustomer.self)
        }
    }
}

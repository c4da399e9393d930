// Generated from Documentation/Connectors/PostgreSQL.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_PostgreSQL {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Order: Codable, Sendable { var id: Int64; var customer_id: Int64; var total: Decimal; var updated_at: Date }
    struct Customer: Codable, Sendable { var customer_id: Int64; var name: String; var city: String? }
    static let shop = try! PostgresConfiguration(url: "postgres://etl@localhost/shop")
    static let warehouse = try! PostgresConfiguration(url: "postgres://etl@localhost/dw")

    // Documentation/Connectors/PostgreSQL.md, line 14
    static func block1() async throws {
        let shop = try PostgresConfiguration(url: "postgres://etl:secret@localhost:5432/shop?application_name=orders-sync")
        let warehouse = try PostgresConfiguration(url: "postgres://etl:secret@localhost:5432/dw")

        let report = try await Pipeline("orders-sync") {
            Source.postgres(shop, query: "SELECT id, customer_id, total, updated_at FROM orders", as: Order.self,
                            cursor: PostgresCursor("updated_at", "id"))
            Sink.postgres(warehouse, table: "fact_order", of: Order.self, mode: .upsert(key: ["id"]))
        }.run(checkpoints: .every(.seconds(10), in: "state/orders-sync"))
        print(report)
        _ = shop
        _ = warehouse
        _ = report
    }

    // Documentation/Connectors/PostgreSQL.md, line 49
    static func block2() async throws {
        let customers = Source.postgres(shop, query: "SELECT * FROM customers WHERE country = $1", parameters: ["CH"], as: Customer.self,
                                        cursor: PostgresCursor("updated_at", "customer_id"),
                                        polling: PostgresPolling(every: .seconds(5), minimumNewRows: 100), fetchSize: 10_000)
        _ = customers
    }

    // Documentation/Connectors/PostgreSQL.md, line 103
    static func block3() async throws {
        let dimension = Sink.postgres(warehouse, table: "dim_customer", of: Customer.self, mode: .history(key: ["customer_id"]))
        _ = dimension
    }

    // Documentation/Connectors/PostgreSQL.md, line 119
    static func block4() async throws {
        let derived = Sink.postgres(warehouse, table: "dw.customers", of: Customer.self, mode: .upsert(key: ["customer_id"]), createTable: true)
        _ = derived
    }

    // Documentation/Connectors/PostgreSQL.md, line 206
    struct PlacedOrder: Decodable, Sendable { var id: Int; var status: String; var total: Decimal }

    // Documentation/Connectors/PostgreSQL.md, line 206
    static func block5() async throws {
        let changes = Source.postgresChanges(warehouse, tables: ["orders"], slot: "orders_cdc", as: PlacedOrder.self, heartbeat: .seconds(10))
        _ = changes
    }

    // Documentation/Connectors/PostgreSQL.md, line 286
    static func block6() async throws {
        let connection = try PostgresConnection(PostgresConfiguration(url: "postgres://app:secret@localhost/shop"))
        defer { connection.close() }
        let canceller = connection.canceller                     // for another task: try canceller?.cancel()
        let tag = try connection.query("SELECT id, total FROM orders WHERE placed_at >= $1", parameters: ["2026-11-01"],
                                       fetchSize: 10_000) { rows in
            for row in rows {
                struct Line: Decodable { var id: Int64; var total: Decimal }
                let line = try row.decode(Line.self)             // by column name, typed
                print(line.id, line.total)
            }
        }
        print(tag, canceller != nil)                             // SELECT 123456 true
        for result in try connection.simpleQuery("SELECT id, name FROM customers; SELECT count(*) FROM orders") {
            print(result.columns, result.rows.count, result.commandTag)    // each value as text, nil for NULL
        }
        _ = connection
        _ = canceller
        _ = tag
    }

    // Documentation/Connectors/PostgreSQL.md, line 313
    static func block7() async throws {
        let connection = try PostgresConnection(PostgresConfiguration(url: "postgres://app:secret@localhost/shop"))
        let loaded = try connection.copyIn("COPY items (id, name) FROM STDIN WITH (FORMAT csv)",
                                           data: [Array("1,Kettle\n".utf8), Array("2,\"Mug, blue\"\n".utf8)])
        var exported: [UInt8] = []
        try connection.copyOut("COPY items TO STDOUT WITH (FORMAT csv, HEADER)") { exported += $0 }
        print(loaded)                                            // COPY 2
        _ = connection
        _ = loaded
        _ = exported
    }

    // Documentation/Connectors/PostgreSQL.md, line 333
    static func block8() async throws {
        let session = try PostgresReplicationSession(PostgresConfiguration(url: "postgres://app:secret@localhost/shop"))
        defer { session.close() }
        // CREATE PUBLICATION orders_pub FOR TABLE orders;  (on an ordinary session)
        let slot = try session.createSlot("orders_cdc", exportSnapshot: false)
        try session.startReplication(slot: slot.name, at: slot.consistentPoint, publications: ["orders_pub"])
        while let event = try session.next(waitingAtMost: 1) {
            switch event {
            case .change(.insert(let table, _, let row), _, let end, _):
                print("insert into \(table):", row.values.count, "columns; processed up to", end)
            case .change(.commit(_, let end, _), _, _, _):
                try session.sendStatus(flushed: end)          // the slot may let go of the WAL before `end`
            case .keepalive(let end, _, let replyRequested):
                if replyRequested { try session.sendStatus(flushed: end) }
            default:
                break
            }
        }
        _ = session
        _ = slot
    }

    // Documentation/Connectors/PostgreSQL.md, line 397
    static func block9() async throws {

        func ordersLoadIntoTheWarehouse() throws {                                // in a test
            guard let server = try PostgresTestServer.start() else { return }   // nil: no PostgreSQL binaries here
            defer { server.stop() }
            let connection = try PostgresConnection(server.configuration)       // or server.socketConfiguration
            defer { connection.close() }
            _ = try connection.simpleQuery("CREATE TABLE fact_order (id bigint PRIMARY KEY, total numeric)")
            try server.restart()                                                // pg_ctl restart -m fast, for fault tests
        }
    }
}

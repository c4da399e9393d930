// Generated from Documentation/Connectors/PostgreSQL.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluicePostgres
import SluiceTesting
import Testing

enum Doc_Connectors_PostgreSQL {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/PostgreSQL.md, line 9
    static func block1() async throws {

        let connection = try PostgresConnection(PostgresConfiguration(url: "postgres://app:secret@localhost:5432/shop?application_name=loader"))
        defer { connection.close() }
        for result in try connection.simpleQuery("SELECT id, name FROM customers ORDER BY id; SELECT count(*) FROM orders") {
            print(result.columns, result.rows.count, result.commandTag)    // each value as text, nil for NULL
        }
        _ = connection
    }

    // Documentation/Connectors/PostgreSQL.md, line 22
    static func block2() async throws {

        let connection = try PostgresConnection(PostgresConfiguration(url: "postgres://app:secret@localhost/shop"))
        let canceller = connection.canceller                     // for another task: canceller?.cancel()
        let tag = try connection.query("SELECT id, total FROM orders WHERE placed_at >= $1", parameters: ["2026-11-01"],
                                       fetchSize: 10_000) { rows in
            for row in rows {
                struct Order: Decodable { var id: Int64; var total: Decimal }
                let order = try row.decode(Order.self)                   // by column name, typed
                print(order.id, order.total)
            }
        }
        print(tag, canceller != nil)                             // SELECT 123456 true
        _ = connection
        _ = canceller
        _ = tag
    }

    // Documentation/Connectors/PostgreSQL.md, line 45
    static func block3() async throws {

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
}

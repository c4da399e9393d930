import Foundation
import Sluice
import SluiceTesting
import Testing
@testable import SluicePostgres

/// A change stream plugs into what exists: the landing zone lands raw changes with their
/// lineage, windows count order inserts by event time, and an enrichment keeps the latest
/// change of each customer, deletes included.
@Suite(.serialized) struct ChangeStreamDownstreamTests {
    static func execute(_ sql: String, _ configuration: PostgresConfiguration) throws -> [[String?]] {
        try PostgresSinkTests.rows(sql, configuration)
    }

    struct Order: Codable, Sendable { var id: Int; var customer_id: Int; var amount: Double; var placed_at: Date }
    struct Customer: Codable, Sendable { var id: Int; var name: String }

    static func prepare(_ configuration: PostgresConfiguration) throws {
        _ = try execute("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'shop\\_%';
            DROP PUBLICATION IF EXISTS shop_orders_land_publication, shop_orders_hourly_publication, shop_orders_enrich_publication,
                                       shop_customers_enrich_publication;
            DROP TABLE IF EXISTS shop_orders, shop_customers;
            CREATE TABLE shop_customers (id int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE shop_orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
            INSERT INTO shop_customers SELECT i, 'customer ' || i FROM generate_series(1, 40) i;
            INSERT INTO shop_orders SELECT i, 1 + i % 40, (i % 97) + 0.25, timestamptz '2026-11-30 08:00:00+00' + ((i * 7919) % 18000) * interval '1 second'
                FROM generate_series(1, 600) i;
            """, configuration)
    }

    /// Changes after the snapshot: new orders, a changed amount, a deleted order and customer.
    static func change(_ configuration: PostgresConfiguration) throws {
        _ = try execute("""
            INSERT INTO shop_orders SELECT i, 1 + i % 40, 10, timestamptz '2026-11-30 12:30:00+00' FROM generate_series(601, 650) i;
            UPDATE shop_orders SET amount = amount + 1 WHERE id % 50 = 0;
            DELETE FROM shop_orders WHERE id = 7;
            UPDATE shop_customers SET name = 'renamed' WHERE id = 3;
            DELETE FROM shop_customers WHERE id = 5;
            """, configuration)
    }

    @Test func rawChangesLandWithTheirLineageOnceEach() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.prepare(configuration)
        let zone = try TemporaryDirectory()
        defer { zone.remove() }
        func land() async throws {
            _ = try await Pipeline("land-orders") {
                Source.postgresChanges(configuration, tables: ["shop_orders"], slot: "shop_orders_land", as: Order.self, until: .currentLogEnd)
                Map { (change: Change<Order>) throws -> LandedPayload in try LandedPayload(change: change, origin: "\(configuration)") }
                Sink.landingZone(zone.path + "/zone", source: "orders")
            }.run(checkpoints: .every(.milliseconds(20), in: zone.path + "/state"))
        }
        try await land()
        try Self.change(configuration)
        try await land()
        let landed = Accumulator<[LandedPayload]>([])
        _ = try await Pipeline("read-landed") {
            Source.landingZone(zone.path + "/zone", source: "orders")
            Sink.reduce(into: landed) { (all: inout [LandedPayload], payload: LandedPayload) in all.append(payload) }
        }.run()
        let payloads = landed.value
        // 600 snapshot rows, then 50 inserts, 13 updates and a delete, each once.
        let expectedCount = 600 + 50 + 13 + 1
        #expect(payloads.count == expectedCount)
        #expect(Set(payloads.compactMap(\.offset)).count == payloads.count)
        #expect(payloads.allSatisfy { $0.origin.hasSuffix(" public.shop_orders") && !$0.origin.contains(configuration.password ?? "no password") })
        let changes = try payloads.map { try JSONRecordDecoder().decode(Change<Order>.self, from: $0.payload) }
        // Part files of several runs are read in name order, not landing order: order by the log.
        let snapshotReads = changes.filter(\.isSnapshotRead).count
        #expect(snapshotReads == 600)
        let streamed = changes.filter { !$0.isSnapshotRead }.sorted { ($0.commitLSN, $0.sequence) < ($1.commitLSN, $1.sequence) }
        let deletedKey = Record([("id", Value.int(7))])
        #expect(streamed.map(\.operation) == Array(repeating: .insert, count: 50) + Array(repeating: .update, count: 13) + [.delete])
        #expect(streamed.last?.key == deletedKey)
        let offsets = changes.map { "\($0.commitLSN)/\($0.sequence)" }
        #expect(payloads.map(\.offset) == offsets)
        let lineage = try FileManager.default.subpathsOfDirectory(atPath: zone.path + "/zone").filter { $0.hasSuffix(".lineage.json") }
        #expect(!lineage.isEmpty)
    }

    @Test func windowsCountOrderInsertsByEventTimeAndAnEnrichmentFollowsTheCustomersChangelog() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        // The slots exist before the rows: every row arrives as a streamed change.
        _ = try Self.execute("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'shop\\_%';
            DROP PUBLICATION IF EXISTS shop_orders_hourly_publication, shop_customers_enrich_publication;
            DROP TABLE IF EXISTS shop_orders, shop_customers;
            CREATE TABLE shop_customers (id int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE shop_orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
            CREATE PUBLICATION shop_orders_hourly_publication FOR TABLE shop_orders;
            CREATE PUBLICATION shop_customers_enrich_publication FOR TABLE shop_customers;
            """, configuration)
        _ = try Self.execute("""
            SELECT pg_create_logical_replication_slot('shop_orders_hourly', 'pgoutput'), pg_create_logical_replication_slot('shop_customers_enrich', 'pgoutput');
            """, configuration)
        for batch in 0..<6 {
            _ = try Self.execute("""
                INSERT INTO shop_orders SELECT i, 1 + i % 40, (i % 97) + 0.25, timestamptz '2026-11-30 08:00:00+00' + ((i * 7919) % 18000) * interval '1 second'
                FROM generate_series(\(batch * 100 + 1), \(batch * 100 + 100)) i
                """, configuration)
        }
        _ = try Self.execute("""
            INSERT INTO shop_customers SELECT i, 'customer ' || i FROM generate_series(1, 40) i;
            UPDATE shop_customers SET name = 'renamed' WHERE id = 3;
            DELETE FROM shop_customers WHERE id = 5;
            """, configuration)
        struct Hour: Sendable, Equatable { var start: Int64; var orders: Int; var revenue: Double }
        @Sendable func millisecond(_ date: Date) -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1000)) }
        let hours = Accumulator<[Hour]>([])
        _ = try await Pipeline("revenue-per-hour") {
            Source.postgresChanges(configuration, tables: ["shop_orders"], slot: "shop_orders_hourly", as: Order.self, snapshot: .never, until: .currentLogEnd)
                .eventTime(maxOutOfOrderness: .seconds(6 * 3600)) { millisecond($0.after?.placed_at ?? $0.commitTime) }
            Filter { (change: Change<Order>) in change.operation == .insert }
            Map { (change: Change<Order>) in change.after! }
            KeyBy { (_: Order) in "all" }.window(.tumbling(.seconds(3600)), eventTime: { millisecond($0.placed_at) }) {
                Count()
                Sum(\.amount)
            }
            Map { (result: WindowResult<String, (Int, Double)>) in Hour(start: result.start.millisecondsSinceEpoch, orders: result.value.0, revenue: result.value.1) }
            Sink.reduce(into: hours) { (all: inout [Hour], hour: Hour) in all.append(hour) }
        }.run()
        let expected = try Self.execute("""
            SELECT (extract(epoch FROM date_trunc('hour', placed_at)) * 1000)::int8, count(*), sum(amount) FROM shop_orders GROUP BY 1 ORDER BY 1
            """, configuration)
        let counted: [[String?]] = hours.value.sorted { $0.start < $1.start }.map { ["\($0.start)", "\($0.orders)", String(format: "%.2f", $0.revenue)] }
        #expect(counted == expected)

        struct Line: Sendable, Equatable { var order: Int; var customer: String? }
        let lines = Accumulator<[Line]>([])
        _ = try await Pipeline("orders-with-customers") {
            Source.postgresChanges(configuration, tables: ["shop_orders"], slot: "shop_orders_enrich", as: Order.self, snapshot: .initialOnly)
            Map { (change: Change<Order>) in change.after! }
            KeyBy(\Order.customer_id).enrich(with: Flow("customers") {
                // The customers' changelog (inserts, a rename, a delete): the latest change per key.
                Source.postgresChanges(configuration, tables: ["shop_customers"], slot: "shop_customers_enrich", as: Customer.self,
                                       snapshot: .never, until: .currentLogEnd)
                KeyBy { (change: Change<Customer>) -> Int in
                    if case .int(let id)? = change.key["id"] { return Int(id) }
                    return -1
                }
            })
            Map { (row: Joined<Int, Order, Change<Customer>>) in Line(order: row.left.id, customer: row.right?.after?.name) }
            Sink.reduce(into: lines) { (all: inout [Line], line: Line) in all.append(line) }
        }.run()
        let joined = try Self.execute("SELECT o.id, c.name FROM shop_orders o LEFT JOIN shop_customers c ON c.id = o.customer_id ORDER BY o.id", configuration)
        let enriched: [[String?]] = lines.value.sorted { $0.order < $1.order }.map { ["\($0.order)", $0.customer] }
        #expect(enriched == joined)
        #expect(joined.contains { $0[1] == "renamed" } && joined.contains { $0[1] == nil })
    }
}

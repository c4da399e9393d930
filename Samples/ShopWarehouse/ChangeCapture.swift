import Foundation
import Sluice

/// The `--cdc` mode: the same star schema kept current from the shop's change stream (one
/// logical replication slot for the four tables, snapshot first) instead of polling
/// `updated_at` cursors. Updates and deletes reach the warehouse too: dim_customer keeps a
/// version per change, dim_product and fact_order_line follow each change, and revenue per
/// hour adds what each inserted, changed or deleted line adds or takes away.
enum ChangeCapture {
    static let slot = "shop_warehouse"
    /// Order lines before orders: in the snapshot a line waits for its order (``OrderLines``),
    /// so the watermark, which orders' times move, never passes a line still to come.
    static let tables = ["shop.customers", "shop.products", "shop.order_lines", "shop.orders"]

    static func pipeline(_ configuration: PostgresConfiguration, follow: Bool, output: String) -> Pipeline {
        let changes = DataStream("shop changes") {
            Source.postgresChanges(configuration, tables: tables, slot: slot, until: follow ? .never : .currentLogEnd,
                                   heartbeat: .seconds(5))
                .named("read shop changes").onError(.deadLetter)
                .eventTime(maxOutOfOrderness: .seconds(3600)) { change in
                    // Orders give event time; other tables' changes do not move it.
                    guard change.table == "shop.orders", case .date(let placed)? = change.after?["placed_at"] else { return .min }
                    return Timestamp(placed)
                }
        }
        let facts = changes.filter { $0.table == "shop.orders" || $0.table == "shop.order_lines" }
            .keyBy { (change: Change<Record>) -> Int64 in
                if case .int(let order)? = (change.after ?? change.before ?? change.key)["order_id"] { return order }
                return -1
            }.named("order lines with their orders")
            .process(OrderLines())
        return Pipeline("shop-warehouse-cdc") {
            // Every change as it came, with its lineage (commit LSN and place in the transaction).
            changes.map { try LandedPayload(change: $0, origin: "\(configuration)") }
                .write(to: Sink.landingZone("\(output)/landing", source: "shop").named("land changes"))
            changes.filter { $0.table == "shop.customers" }
                .map { try $0.map { try $0.decode(as: CustomerRow.self).standardised() } }
                .validated(by: [.custom("email") { change in
                    guard let email = change.after?.email else { return nil }
                    return email.contains("@") ? nil : "'\(email)' is not an e-mail address"
                }])
                .map { $0.map(DimCustomer.init) }
                .write(to: Sink.postgres(configuration, table: "dw.dim_customer", applying: DimCustomer.self, mode: .history(key: ["customer_id"]))
                    .named("dim_customer").onError(.deadLetter))
            changes.filter { $0.table == "shop.products" }
                .map { try $0.map { DimProduct(try $0.decode(as: ProductRow.self)) } }
                .write(to: Sink.postgres(configuration, table: "dw.dim_product", applying: DimProduct.self, mode: .upsert(key: ["product_id"]))
                    .named("dim_product").onError(.deadLetter))
            facts.map(\.change)
                .write(to: Sink.postgres(configuration, table: "dw.fact_order_line", applying: FactLine.self, mode: .upsert(key: ["order_id", "line_no"]))
                    .named("fact_order_line").onError(.deadLetter))
            facts.keyBy(\.shop).named("revenue per hour")
                .window(.tumbling(.seconds(3600)), eventTime: { Timestamp($0.placedAt) }) {
                    Sum(\.lines)
                    Sum(\.revenue)
                }
                .map { RevenuePart(hour: $0.start.date, lines: $0.value.0, revenue: $0.value.1) }
                .write(to: Sink.postgres(configuration, table: "dw.revenue_hourly_part", of: RevenuePart.self).named("revenue_hourly"))
        }.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl").named("write dead letters"))
    }

    static let auditSlot = "shop_warehouse_audit", auditPositions = "shop_warehouse_audit_lsn"

    /// Creates two more slots, never consumed by the pipeline: the independent record of every
    /// change from now on that ``Check/landing(_:landing:)`` compares the landing zone with.
    /// PostgreSQL's `test_decoding` plugin gives the rows; `pgoutput`, read in SQL, gives each
    /// transaction's commit position (test_decoding shows where the commit record ends).
    static func createAuditSlot(_ connection: PostgresConnection) throws {
        _ = try connection.simpleQuery("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('\(auditSlot)', '\(auditPositions)');
            SELECT pg_create_logical_replication_slot('\(auditSlot)', 'test_decoding'), pg_create_logical_replication_slot('\(auditPositions)', 'pgoutput');
            """)
    }

    /// Creates what change capture needs once the shop is (re)created: the old slot and
    /// publication go (they belong to the tables dropped), and order lines log their whole old
    /// row, so that a deleted line's amount is known.
    static func setUp(_ connection: PostgresConnection) throws {
        _ = try connection.simpleQuery("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('\(slot)', '\(auditSlot)', '\(auditPositions)');
            DROP PUBLICATION IF EXISTS \(slot)_publication;
            ALTER TABLE shop.order_lines REPLICA IDENTITY FULL;
            """)
    }
}

/// An order line's change as a fact's change, with what it adds to its hour's revenue.
struct FactChange: Codable, Sendable {
    var change: Change<FactLine>
    var placedAt: Date
    var lines: Int64
    var revenue: Decimal
    /// One key for the whole shop.
    var shop: String { "shop" }
}

/// The order's customer and time, which its lines' facts carry.
struct OrderHeader: Codable, Sendable {
    var customer_id: Int64
    var placed_at: Date
}

/// An order line as the shop stores it (the change stream gives its columns only).
struct LineColumns: Codable, Sendable {
    var order_id: Int64
    var line_no: Int32
    var product_id: Int64
    var quantity: Int32
    var unit_price: Decimal
}

/// Joins each order line's change with its order, per order id: a line whose order has not
/// come yet waits in the order's state.
struct OrderLines: KeyedProcessFunction {
    struct State: Codable, Sendable {
        var header: OrderHeader?
        var waiting: [Change<Record>] = []
    }

    func initialState(for order: Int64) -> State { State() }

    func process(_ change: Change<Record>, key order: Int64, state: inout State,
                 context: inout KeyedContext, into output: inout Emitter<FactChange>) throws {
        if change.table == "shop.orders" {
            switch change.operation {
            case .insert, .update:
                state.header = try change.after.map { try $0.decode(as: OrderHeader.self) }
                for line in state.waiting { output.emit(try fact(line, state.header!)) }
                state.waiting = []
            case .delete, .truncate:
                context.clearState()
            }
            return
        }
        guard let header = state.header else {
            state.waiting.append(change)
            return
        }
        output.emit(try fact(change, header))
    }

    func fact(_ change: Change<Record>, _ header: OrderHeader) throws -> FactChange {
        let new = try change.after.map { try $0.decode(as: LineColumns.self) }
        let old = try change.before.map { try $0.decode(as: LineColumns.self) }
        func amount(_ line: LineColumns?) -> Decimal { line.map { $0.unit_price * Decimal($0.quantity) } ?? 0 }
        let fact = change.map { _ in FactLine(new!, header) }
        return FactChange(change: fact, placedAt: header.placed_at,
                          lines: (new == nil ? 0 : 1) - (old == nil || change.operation == .insert ? 0 : 1),
                          revenue: amount(new) - (change.operation == .insert ? 0 : amount(old)))
    }
}

extension FactLine {
    init(_ line: LineColumns, _ order: OrderHeader) {
        (order_id, line_no, customer_id, product_id) = (line.order_id, line.line_no, order.customer_id, line.product_id)
        (quantity, unit_price, amount, placed_at) = (line.quantity, line.unit_price, line.unit_price * Decimal(line.quantity), order.placed_at)
    }
}

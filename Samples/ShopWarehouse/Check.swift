import Foundation
import Sluice

/// Compares the warehouse with the truth computed from the shop's tables in SQL: nothing lost,
/// nothing twice, every current version right and every history contiguous.
enum Check {
    static let checks: [(name: String, sql: String)] = [
        ("current customers equal the shop's valid ones", """
            (SELECT customer_id, lower(trim(email)), trim(name), city FROM shop.customers WHERE position('@' IN email) > 0
             EXCEPT ALL SELECT customer_id, email, name, city FROM dw.dim_customer WHERE valid_to IS NULL)
            UNION ALL
            (SELECT customer_id, email, name, city FROM dw.dim_customer WHERE valid_to IS NULL
             EXCEPT ALL SELECT customer_id, lower(trim(email)), trim(name), city FROM shop.customers WHERE position('@' IN email) > 0)
            """),
        ("each customer's versions follow one another without gap or overlap", """
            SELECT customer_id FROM (SELECT customer_id, valid_from, valid_to,
                lead(valid_from) OVER (PARTITION BY customer_id ORDER BY valid_from) AS next FROM dw.dim_customer) v
            WHERE (valid_to IS NULL) <> (next IS NULL) OR valid_to <> next
            """),
        ("products equal the shop's", """
            (SELECT product_id, sku, name, price FROM shop.products EXCEPT ALL SELECT product_id, sku, name, price FROM dw.dim_product)
            UNION ALL (SELECT product_id, sku, name, price FROM dw.dim_product EXCEPT ALL SELECT product_id, sku, name, price FROM shop.products)
            """),
        ("order lines equal the shop's, each once", """
            (SELECT l.order_id, l.line_no, o.customer_id, l.product_id, l.quantity, l.unit_price, l.quantity * l.unit_price, o.placed_at
             FROM shop.order_lines l JOIN shop.orders o USING (order_id)
             EXCEPT ALL SELECT order_id, line_no, customer_id, product_id, quantity, unit_price, amount, placed_at FROM dw.fact_order_line)
            UNION ALL
            (SELECT order_id, line_no, customer_id, product_id, quantity, unit_price, amount, placed_at FROM dw.fact_order_line
             EXCEPT ALL SELECT l.order_id, l.line_no, o.customer_id, l.product_id, l.quantity, l.unit_price, l.quantity * l.unit_price, o.placed_at
             FROM shop.order_lines l JOIN shop.orders o USING (order_id))
            """),
        ("revenue per hour equals the shop's", """
            (SELECT date_trunc('hour', o.placed_at), count(*), sum(l.quantity * l.unit_price) FROM shop.order_lines l JOIN shop.orders o USING (order_id) GROUP BY 1
             EXCEPT ALL SELECT hour, lines, revenue FROM dw.revenue_hourly)
            UNION ALL
            (SELECT hour, lines, revenue FROM dw.revenue_hourly
             EXCEPT ALL SELECT date_trunc('hour', o.placed_at), count(*), sum(l.quantity * l.unit_price) FROM shop.order_lines l JOIN shop.orders o USING (order_id) GROUP BY 1)
            """),
    ]

    /// Runs every check; prints each and returns whether all hold.
    static func run(_ configuration: PostgresConfiguration) throws -> Bool {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        var passed = true
        for check in checks {
            let wrong = try connection.simpleQuery(check.sql).last?.rows ?? []
            print("  \(wrong.isEmpty ? "ok  " : "FAIL") \(check.name)\(wrong.isEmpty ? "" : ": \(wrong.count) rows differ, first \(wrong[0].map { $0 ?? "NULL" })")")
            passed = passed && wrong.isEmpty
        }
        let counts = try connection.simpleQuery("""
            SELECT (SELECT count(*) FROM dw.dim_customer), (SELECT count(*) FROM dw.dim_customer WHERE valid_to IS NULL),
                   (SELECT count(*) FROM dw.fact_order_line), (SELECT count(*) FROM dw.revenue_hourly)
            """).last?.rows.first ?? []
        print("  dim_customer \(counts[0] ?? "?") versions (\(counts[1] ?? "?") current), fact_order_line \(counts[2] ?? "?") rows, revenue_hourly \(counts[3] ?? "?") hours")
        return passed
    }
}

extension Check {
    /// The landing zone of `--cdc` against the audit slots (``ChangeCapture/createAuditSlot(_:)``),
    /// which PostgreSQL's own plugins decode: every change the shop committed since the audit
    /// began is landed exactly once — same commit LSN, same place in the transaction, same
    /// table, operation and key. Without the audit slots there is nothing to compare.
    static func landing(_ configuration: PostgresConfiguration, landing: String) throws -> Bool {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        guard try connection.simpleQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '\(ChangeCapture.auditSlot)'").last?.rows.isEmpty == false else {
            return true
        }
        let audit = try connection.simpleQuery("""
            SELECT xid::text, data FROM pg_logical_slot_peek_changes('\(ChangeCapture.auditSlot)', NULL, NULL, 'skip-empty-xacts', '1')
            """).last?.rows ?? []
        // Each transaction's commit position, from pgoutput's Begin messages (B, final LSN, time, xid).
        let positions = try connection.simpleQuery("""
            SELECT (('x' || encode(substring(data FROM 18 FOR 4), 'hex'))::bit(32)::bigint)::text,
                   ('0/0'::pg_lsn + ('x' || encode(substring(data FROM 2 FOR 8), 'hex'))::bit(64)::bigint)::text
            FROM pg_logical_slot_peek_binary_changes('\(ChangeCapture.auditPositions)', NULL, NULL,
                                                     'proto_version', '1', 'publication_names', '\(ChangeCapture.slot)_publication')
            WHERE get_byte(data, 0) = 66
            """).last?.rows ?? []
        let commitLSN = Dictionary(positions.compactMap { row in row[0].flatMap { xid in row[1].map { (xid, $0) } } }, uniquingKeysWith: { first, _ in first })
        var expected: [String: Int] = [:], sequence: [String: Int] = [:]
        for row in audit {
            guard let xid = row[0], let data = row[1], let change = AuditedChange(data) else { continue }
            sequence[xid, default: 0] += 1
            expected["\(commitLSN[xid] ?? "xid \(xid) without its commit")/\(sequence[xid]!) \(change)", default: 0] += 1
        }
        var landed: [String: Int] = [:]
        var snapshotReads = 0
        let files = (FileManager.default.enumerator(atPath: landing)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".jsonl") && !($0 as NSString).lastPathComponent.hasPrefix(".") }
        for file in files {
            for line in try String(contentsOfFile: landing + "/" + file, encoding: .utf8).split(separator: "\n") {
                let payload = try JSONRecordDecoder().decode(LandedPayload.self, from: String(line))
                let change = try JSONRecordDecoder().decode(Change<Record>.self, from: payload.payload)
                if change.isSnapshotRead {
                    snapshotReads += 1
                    continue
                }
                let key = change.key.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                landed["\(change.commitLSN)/\(change.sequence) \(change.table) \(change.operation.rawValue) \(key)", default: 0] += 1
            }
        }
        let missing = expected.filter { landed[$0.key, default: 0] < $0.value }.keys.sorted()
        let extra = landed.filter { expected[$0.key, default: 0] < $0.value }.keys.sorted()
        let passed = missing.isEmpty && extra.isEmpty
        print("  \(passed ? "ok  " : "FAIL") the landing zone holds each of the \(expected.values.reduce(0, +)) audited changes once"
              + (passed ? "" : ": \(missing.count) missing (first \(missing.first ?? "-")), \(extra.count) extra or twice (first \(extra.first ?? "-"))"))
        print("  landing zone: \(snapshotReads) snapshot reads, \(landed.values.reduce(0, +)) changes")
        return passed
    }
}

/// A change as `test_decoding` writes it (`table shop.orders: INSERT: order_id[bigint]:3001 …`),
/// described by table, operation and key like a landed one; `nil` for other lines and tables.
struct AuditedChange: CustomStringConvertible {
    static let keys = ["shop.customers": ["customer_id"], "shop.products": ["product_id"], "shop.orders": ["order_id"],
                       "shop.order_lines": ["order_id", "line_no"]]
    let table: String, operation: String, key: String

    init?(_ data: String) {
        guard data.hasPrefix("table "), let colon = data.range(of: ": ") else { return nil }
        table = String(data[data.index(data.startIndex, offsetBy: 6)..<colon.lowerBound])
        guard let keyColumns = Self.keys[table] else { return nil }
        let rest = data[colon.upperBound...]
        guard let opEnd = rest.range(of: ":") else { return nil }
        operation = rest[..<opEnd.lowerBound].lowercased()
        // An update shows the old row (old-key:) before the new (new-tuple:): the key is the new one.
        var tuple = String(rest[opEnd.upperBound...])
        if let new = tuple.range(of: "new-tuple:") { tuple = String(tuple[new.upperBound...]) }
        var values: [String: String] = [:]
        for part in tuple.split(separator: " ") {
            guard let open = part.firstIndex(of: "["), let close = part.range(of: "]:") else { continue }
            values[String(part[..<open])] = String(part[close.upperBound...])
        }
        let key = keyColumns.map { column in values[column].map { "\(column)=\($0)" } }
        guard key.allSatisfy({ $0 != nil }) else { return nil }
        self.key = key.map { $0! }.joined(separator: ",")
    }

    var description: String { "\(table) \(operation) \(key)" }
}

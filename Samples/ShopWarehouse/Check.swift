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

import Foundation
import Sluice

/// Writes to the shop while the pipeline runs: each round places an order of one to three
/// lines an hour or so after the last, changes a customer's city and a product's price. With
/// `changingLines` it also changes the quantity of one of the order's lines, or deletes one,
/// now and then: changes only change capture sees.
enum Generator {
    static func run(_ shop: PostgresConfiguration, rounds: Int, pause: Duration, changingLines: Bool = false) throws {
        var connection = try PostgresConnection(shop)
        defer { connection.close() }
        var random = SplitMix64(seed: UInt64(Date().timeIntervalSince1970 * 1000))
        let cities = ["Zürich", "London", "Lisboa", "Kyoto", "Oslo", "Recife"]
        for _ in 0..<rounds {
            let customer = Int.random(in: 1...300, using: &random)
            let lines = Int.random(in: 1...3, using: &random)
            let minutes = Int.random(in: 5...90, using: &random)
            var sql = """
                BEGIN;
                INSERT INTO shop.orders (order_id, customer_id, placed_at)
                SELECT max(order_id) + 1, \(customer), max(placed_at) + interval '\(minutes) minutes' FROM shop.orders;
                """
            for line in 1...lines {
                let product = Int.random(in: 1...60, using: &random)
                sql += """
                    INSERT INTO shop.order_lines (order_id, line_no, product_id, quantity, unit_price)
                    SELECT max(order_id), \(line), \(product), \(Int.random(in: 1...5, using: &random)), price
                    FROM shop.orders, shop.products WHERE product_id = \(product) GROUP BY price;
                    """
            }
            sql += """
                UPDATE shop.customers SET city = '\(cities[Int.random(in: 0..<cities.count, using: &random)])', updated_at = clock_timestamp()
                WHERE customer_id = \(Int.random(in: 1...300, using: &random)) AND customer_id NOT IN (77, 154);
                UPDATE shop.products SET price = price + 1, updated_at = clock_timestamp() WHERE product_id = \(Int.random(in: 1...60, using: &random));
                COMMIT;
                """
            var statements = [sql]
            if changingLines, lines > 1 {
                let order = "(SELECT max(order_id) FROM shop.orders)"
                switch Int.random(in: 0..<3, using: &random) {
                case 0: statements.append("UPDATE shop.order_lines SET quantity = quantity + 1 WHERE order_id = \(order) AND line_no = 1")
                case 1: statements.append("DELETE FROM shop.order_lines WHERE order_id = \(order) AND line_no = \(lines)")
                default: break
                }
            }
            do {
                for statement in statements { _ = try connection.simpleQuery(statement) }
            } catch where changingLines {
                // The server restarted (the CDC crash test does that): whatever the round
                // committed is in the shop, which is what the warehouse is checked against.
                connection.close()
                connection = try reconnect(shop)
            }
            Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
        }
    }

    /// A new session, trying for up to 30 seconds while the server comes back.
    static func reconnect(_ shop: PostgresConfiguration) throws -> PostgresConnection {
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                return try PostgresConnection(shop)
            } catch where Date() < deadline {
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }
}

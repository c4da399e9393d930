import Foundation
import Sluice

/// A customer as the shop stores it.
struct CustomerRow: Codable, Sendable {
    var customer_id: Int64
    var email: String
    var name: String
    var city: String?
    var updated_at: Date

    /// E-mail trimmed and lower-cased, name trimmed: the warehouse's form.
    func standardised() -> CustomerRow {
        var copy = self
        copy.email = email.trimmingCharacters(in: .whitespaces).lowercased()
        copy.name = name.trimmingCharacters(in: .whitespaces)
        return copy
    }
}

/// A version of a customer in `dw.dim_customer`.
struct DimCustomer: Codable, Sendable {
    var customer_id: Int64
    var email: String
    var name: String
    var city: String?

    init(_ row: CustomerRow) {
        (customer_id, email, name, city) = (row.customer_id, row.email, row.name, row.city)
    }
}

/// A product as the shop stores it.
struct ProductRow: Codable, Sendable {
    var product_id: Int64
    var sku: String
    var name: String
    var price: Decimal
    var updated_at: Date
}

/// A product in `dw.dim_product`.
struct DimProduct: Codable, Sendable {
    var product_id: Int64
    var sku: String
    var name: String
    var price: Decimal

    init(_ row: ProductRow) {
        (product_id, sku, name, price) = (row.product_id, row.sku, row.name, row.price)
    }
}

/// An order line with its order's customer and time.
struct LineRow: Codable, Sendable {
    var order_id: Int64
    var line_no: Int32
    var customer_id: Int64
    var product_id: Int64
    var quantity: Int32
    var unit_price: Decimal
    var placed_at: Date
    var created_at: Date

    var amount: Decimal { unit_price * Decimal(quantity) }
    var time: Timestamp { Timestamp(placed_at) }
    /// One key for the whole shop: revenue per hour is not split further.
    var shop: String { "shop" }
}

/// A row of `dw.fact_order_line`.
struct FactLine: Codable, Sendable {
    var order_id: Int64
    var line_no: Int32
    var customer_id: Int64
    var product_id: Int64
    var quantity: Int32
    var unit_price: Decimal
    var amount: Decimal
    var placed_at: Date

    init(_ row: LineRow) {
        (order_id, line_no, customer_id, product_id) = (row.order_id, row.line_no, row.customer_id, row.product_id)
        (quantity, unit_price, amount, placed_at) = (row.quantity, row.unit_price, row.amount, row.placed_at)
    }
}

/// What one firing of an hour's window adds to `dw.revenue_hourly`.
struct RevenuePart: Codable, Sendable {
    var hour: Date
    var lines: Int64
    var revenue: Decimal
}

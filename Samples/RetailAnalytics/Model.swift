import Foundation
import Sluice

/// One row of orders.csv as the shop exports it: semicolons, decimal commas, snake_case.
struct OrderRow: Codable, Sendable {
    var orderId: String
    var email: String
    var category: String
    var amount: Decimal
    var placedAt: Date

    var time: Timestamp { Timestamp(placedAt) }
}

/// A valid order, its e-mail address standardised.
struct Order: Codable, Sendable {
    var id: String
    var email: String
    var category: String
    var amount: Decimal
    var placedAt: Date

    init(_ row: OrderRow) {
        id = row.orderId
        email = Standardise.email(row.email) ?? row.email   // validated before: always an address
        category = row.category
        amount = row.amount
        placedAt = row.placedAt
    }

    var time: Timestamp { Timestamp(placedAt) }
}

/// One page view of the clickstream.
struct Click: Codable, Sendable {
    var user: String
    var page: String
    var ts: Int64

    var time: Timestamp { Timestamp(millisecondsSinceEpoch: ts) }
}

/// Revenue of one category in one hour.
struct CategoryHour: Codable, Sendable, Hashable {
    var category: String
    var hour: String
    var orders: Int
    var revenue: Decimal
}

/// A user's page views in ten minutes, next to each order they placed then (or none).
struct UserActivity: Codable, Sendable {
    var user: String
    var windowStart: String
    var pageViews: Int
    var orderId: String?
    var amount: Decimal?
}

/// ISO 8601 text of an instant, in UTC.
func iso(_ time: Timestamp) -> String {
    time.date.formatted(.iso8601)
}

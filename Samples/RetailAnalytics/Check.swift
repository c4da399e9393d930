import Foundation
import Sluice

/// The same figures by a plain Swift loop over the input files, compared with the pipeline's
/// output: revenue per category and hour, page views per user and ten minutes, the orders
/// beside them, and the dead letters.
enum Check {
    static func run(data: String, output: String) throws -> Bool {
        var revenue: [String: (orders: Int, revenue: Decimal)] = [:]
        var seen = Set<String>()
        var invalid = 0
        var validOrders: [(id: String, email: String, ms: Int64)] = []
        let categories = Set(Generator.categories)
        let rows = try String(contentsOfFile: data + "/orders.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        for line in rows {
            let fields = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let amount = Decimal(string: fields[3].replacingOccurrences(of: ",", with: ".")),
                  let placed = try? Date(fields[4], strategy: .iso8601) else { invalid += 1; continue }
            guard let email = Standardise.email(fields[1]), amount >= Decimal(1) / 100, amount <= 100_000,
                  categories.contains(fields[2]) else { invalid += 1; continue }
            guard seen.insert(fields[0]).inserted else { continue }
            let ms = Timestamp(placed).millisecondsSinceEpoch
            let hour = iso(Timestamp(millisecondsSinceEpoch: ms - ms % 3_600_000))
            revenue[fields[2] + " " + hour, default: (0, 0)].orders += 1
            revenue[fields[2] + " " + hour, default: (0, 0)].revenue += amount
            validOrders.append((fields[0], email, ms))
        }
        var views: [String: Int] = [:]
        let decoder = JSONDecoder()
        for line in try String(contentsOfFile: data + "/clicks.jsonl", encoding: .utf8).split(separator: "\n") {
            let click = try decoder.decode(Click.self, from: Data(line.utf8))
            views[click.user + " " + iso(Timestamp(millisecondsSinceEpoch: click.ts - click.ts % 600_000)), default: 0] += 1
        }
        let ordersBeside = validOrders.filter { views[$0.email + " " + iso(Timestamp(millisecondsSinceEpoch: $0.ms - $0.ms % 600_000))] != nil }

        let reported = try lines(output + "/revenue.jsonl").map { try decoder.decode(CategoryHour.self, from: Data($0.utf8)) }
        let reportedRevenue = Dictionary(reported.map { ($0.category + " " + $0.hour, ($0.orders, $0.revenue)) }, uniquingKeysWith: { first, _ in first })
        let activity = try lines(output + "/activity.jsonl").map { try decoder.decode(UserActivity.self, from: Data($0.utf8)) }
        var reportedViews: [String: Int] = [:]
        for row in activity { reportedViews[row.user + " " + row.windowStart] = row.pageViews }
        let deadLetters = try lines(output + "/dead-letters.jsonl").count

        var failures: [String] = []
        if reported.count != revenue.count || revenue.contains(where: { key, value in
            reportedRevenue[key].map { $0.0 != value.orders || $0.1 != value.revenue } ?? true
        }) {
            failures.append("revenue per category and hour differs (\(reported.count) rows, expected \(revenue.count))")
        }
        if reportedViews != views { failures.append("page views per user and ten minutes differ") }
        if activity.filter({ $0.orderId != nil }).count != ordersBeside.count {
            failures.append("\(activity.filter { $0.orderId != nil }.count) orders beside page views, expected \(ordersBeside.count)")
        }
        if deadLetters != invalid { failures.append("\(deadLetters) dead letters, expected \(invalid)") }
        let total = revenue.values.reduce(Decimal(0)) { $0 + $1.revenue }
        print("check: \(validOrders.count) orders, revenue \(total), \(views.values.reduce(0, +)) page views, \(invalid) invalid rows")
        for failure in failures { print("check failed: \(failure)") }
        if failures.isEmpty { print("check: every figure matches a plain loop over the input") }
        return failures.isEmpty
    }

    static func lines(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}

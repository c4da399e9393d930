// quickstart: orders from two shops (a CSV export and a JSON Lines feed) mapped to one
// canonical type, bad rows dead-lettered, the result written as JSON Lines.
//
//   swift run quickstart            run on the bundled data
//   swift run quickstart --graph    print the pipeline as Graphviz DOT
//   swift run quickstart --help
import Foundation
import Sluice

/// One order in the canonical form both shops are mapped to.
struct Order: Codable, Sendable {
    var id: String
    var shop: String
    var customerName: String
    var customerEmail: String
    var amountEUR: Double
    var orderedAt: Date
}

/// A row of shop A's CSV export.
struct ShopARow: Decodable, Sendable {
    var order_id: String
    var customer_name: String
    var customer_email: String
    var amount_eur: Double
    var ordered_at: Date
}

/// A line of shop B's JSON feed.
struct ShopBLine: Decodable, Sendable {
    struct Buyer: Decodable, Sendable { var name: String; var email: String }
    struct Money: Decodable, Sendable { var value: Double; var currency: String }
    var id: String
    var buyer: Buyer
    var total: Money
    var ts: Int64
}

/// Why a row was rejected by the mapping stages.
struct InvalidOrder: Error, CustomStringConvertible {
    var description: String
}

/// Fixed rates, enough for a sample.
let eurPerUnit: [String: Double] = ["EUR": 1, "USD": 0.92, "GBP": 1.17]

func normalisedEmail(_ email: String) throws -> String {
    let trimmed = email.trimmingCharacters(in: .whitespaces).lowercased()
    guard trimmed.split(separator: "@").count == 2 else { throw InvalidOrder(description: "invalid email '\(email)'") }
    return trimmed
}

func order(fromShopA row: ShopARow) throws -> Order {
    Order(id: row.order_id, shop: "A", customerName: row.customer_name,
          customerEmail: try normalisedEmail(row.customer_email), amountEUR: row.amount_eur, orderedAt: row.ordered_at)
}

func order(fromShopB line: ShopBLine) throws -> Order {
    guard let rate = eurPerUnit[line.total.currency] else {
        throw InvalidOrder(description: "unsupported currency \(line.total.currency)")
    }
    return Order(id: line.id, shop: "B", customerName: line.buyer.name,
                 customerEmail: try normalisedEmail(line.buyer.email),
                 amountEUR: (line.total.value * rate * 100).rounded() / 100,
                 orderedAt: Date(timeIntervalSince1970: Double(line.ts) / 1000))
}

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: index)]
}
if arguments.contains("--help") {
    print("""
    usage: quickstart [--data DIR] [--output DIR] [--graph]
      --data DIR     input directory with shop-a-orders.csv and shop-b-orders.jsonl (default: the bundled data)
      --output DIR   where orders.jsonl and dead-letters.jsonl go (default: quickstart-output)
      --graph        print the pipeline as Graphviz DOT and exit
    """)
    exit(0)
}
let data = option("--data") ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data").path
let output = option("--output") ?? "quickstart-output"

let pipeline = Pipeline("quickstart") {
    Merge {
        Flow("shop A") {
            Source.csv("\(data)/shop-a-orders.csv", as: ShopARow.self).named("read shop A").onError(.deadLetter)
            Map(order(fromShopA:)).named("map shop A").onError(.deadLetter)
        }
        Flow("shop B") {
            Source.jsonLines("\(data)/shop-b-orders.jsonl", as: ShopBLine.self).named("read shop B").onError(.deadLetter)
            Map(order(fromShopB:)).named("map shop B").onError(.deadLetter)
        }
    }
    Filter { (order: Order) in order.amountEUR > 0 }.named("drop empty orders")
    Sink.jsonLines("\(output)/orders.jsonl", of: Order.self).named("write orders")
}.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl", of: DeadLetter.self).named("write dead letters"))

if arguments.contains("--graph") {
    print(pipeline.dot())
    exit(0)
}

print(pipeline)
print()
do {
    let report = try await pipeline.run()
    print(report)
    print()
    print("Wrote \(report[stage: "write orders"]?.recordsOut ?? 0) orders to \(output)/orders.jsonl")
    print("Wrote \(report.totalDeadLettered) dead letters to \(output)/dead-letters.jsonl:")
    let letters = try String(contentsOfFile: "\(output)/dead-letters.jsonl", encoding: .utf8)
    for line in letters.split(separator: "\n") {
        let letter = try JSONRecordDecoder().decode(DeadLetter.self, from: String(line))
        print("  - \(letter.location.map { "\($0): " } ?? "")[\(letter.stage)] \(letter.error)")
    }
} catch {
    print("quickstart failed: \(error)")
    exit(1)
}

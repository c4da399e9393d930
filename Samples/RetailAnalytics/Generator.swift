import Foundation
import Sluice

/// Writes made-up input: orders.csv (with duplicates, malformed rows and bad addresses) and
/// clicks.jsonl (out of order by up to 30 s), the same for the same seed.
enum Generator {
    static let categories = ["books", "garden", "kitchen", "music", "sports", "toys"]

    struct Written {
        var orders = 0, duplicates = 0, malformed = 0, badEmails = 0, clicks = 0
    }

    static func write(orders count: Int, seed: UInt64, to directory: String) throws -> Written {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SplitMix64(seed: seed)
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        let users = (0..<max(1, count / 20)).map { "user\($0)@example.com" }
        let start: Int64 = 1_796_083_200_000   // 2026-12-01T00:00:00Z
        var written = Written()
        var csv = "order_id;email;category;amount;placed_at\n"
        var clicks: [(ts: Int64, line: String)] = []
        var previous: String?
        for index in 0..<count {
            let ts = start + Int64(index) * 86_400_000 / Int64(count) + Int64(random.next() % 20_000)
            let user = pick(users)
            let cents = 100 + Int(random.next() % 30_000)
            let placedAt = Date(timeIntervalSince1970: Double(ts) / 1000).formatted(.iso8601)
            // Addresses as people type them: any case, stray spaces; a few are not addresses.
            var email = random.next() % 3 == 0 ? " " + user.uppercased() : user
            if random.next() % 200 == 0 { email = user.replacingOccurrences(of: "@", with: " at "); written.badEmails += 1 }
            let line: String
            if random.next() % 100 == 0 {
                line = "o\(index);\(email);\(pick(categories));n/a;\(placedAt)"            // no amount
                written.malformed += 1
            } else {
                line = "o\(index);\(email);\(pick(categories));\(cents / 100),\(String(format: "%02d", cents % 100));\(placedAt)"
                written.orders += 1
            }
            csv += line + "\n"
            if let previous, random.next() % 50 == 0 { csv += previous + "\n"; written.duplicates += 1 }   // exported twice
            previous = line
            for _ in 0..<Int(random.next() % 8) {
                let at = ts - Int64(random.next() % 600_000)
                clicks.append((at, #"{"user":"\#(user)","page":"/\#(pick(categories))/\#(random.next() % 50)","ts":\#(at)}"#))
            }
        }
        // Out of order by up to 30 s: sorted by a time with up to 30 s of noise.
        let shuffled = clicks.map { ($0.ts + Int64(random.next() % 30_000), $0.line) }.sorted { $0.0 < $1.0 }
        written.clicks = shuffled.count
        try csv.write(toFile: directory + "/orders.csv", atomically: true, encoding: .utf8)
        try (shuffled.map(\.1).joined(separator: "\n") + "\n").write(toFile: directory + "/clicks.jsonl", atomically: true, encoding: .utf8)
        return written
    }
}

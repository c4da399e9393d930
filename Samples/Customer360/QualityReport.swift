// The data-quality report written beside the profiles: what each source delivered, what was
// rejected and why, how records became customers, and how complete the profiles are.
import Foundation
import Sluice

struct QualityReport {
    let run: RunReport
    let validation: DataQualityReport
    let output: String

    /// Each source's reading and mapping stages.
    static let sources: [(file: String, read: String, map: String)] = [
        ("crm-customers.csv", "read crm", "map crm"),
        ("shop-customers.jsonl", "read shop customers", "map shop customers"),
        ("shop-orders.jsonl", "read orders", "map orders"),
        ("pos-purchases.csv (as cardholders)", "read pos", "map cardholders"),
        ("pos-purchases.csv (as purchases)", "read pos", "map purchases"),
        ("support-tickets.json (as requesters)", "read support", "map requesters"),
        ("support-tickets.json (as tickets)", "read support", "map tickets"),
    ]

    func text() throws -> String {
        var lines = ["customer-360 data-quality report", ""]
        lines.append("Sources")
        var rows = [["source", "records", "unreadable", "not mappable", "mapped"]]
        for source in Self.sources {
            let read = run[stage: source.read], map = run[stage: source.map]
            rows.append([source.file, "\(read?.recordsIn ?? 0)", "\(read?.errored ?? 0)", "\(map?.errored ?? 0)", "\(map?.recordsOut ?? 0)"])
        }
        lines += TextTable.lines(rows, leftAligned: 1, indent: "  ")
        lines += ["", "Validation of customer records, per rule and system"]
        lines += validation.description.split(separator: "\n").map { "  " + $0 }

        let letters = try Self.lines("\(output)/dead-letters.jsonl").map { try JSONRecordDecoder().decode(DeadLetter.self, from: $0) }
        lines += ["", "Rejected records (\(letters.count), each in dead-letters.jsonl), by stage"]
        for (stage, group) in Dictionary(grouping: letters, by: \.stage).sorted(by: { $0.key < $1.key }) {
            lines.append("  \(stage): \(group.count)")
            for letter in group.prefix(3) {
                // Records past their source carry no file and line; the record itself says which it was.
                let origin = letter.location.map { Self.shortened($0) } ?? String(letter.rawInput.prefix(60)) + (letter.rawInput.count > 60 ? "…" : "")
                lines.append("    \(origin)")
                lines.append("      \(letter.error)")
            }
            if group.count > 3 { lines.append("    … and \(group.count - 3) more") }
        }

        let decoder = JSONRecordDecoder()
        let profiles = try Self.lines("\(output)/profiles.jsonl").map { try decoder.decode(CustomerProfile.self, from: $0) }
        let records = profiles.reduce(0) { $0 + $1.members.count }
        lines += ["", "Customers", "  \(records) valid customer records → \(profiles.count) customers"]
        let bySystems = Dictionary(grouping: profiles, by: \.systems.count)
        for count in bySystems.keys.sorted() {
            lines.append("  known to \(count) system\(count == 1 ? "" : "s"): \(bySystems[count]!.count)")
        }
        let withActivity = profiles.filter { $0.orders + $0.storePurchases + $0.tickets > 0 }.count
        lines.append("  with orders, purchases or tickets: \(withActivity)")
        lines += ["", "Profile completeness"]
        let fields: [(String, (CustomerProfile) -> Bool)] = [
            ("name", { $0.name != nil }), ("birth date", { $0.birthDate != nil }), ("email", { $0.email != nil }),
            ("phone", { $0.phone != nil }), ("postcode", { $0.postcode != nil }), ("country", { $0.country != nil }),
        ]
        var completeness = [["field", "filled", "share"]]
        for (name, filled) in fields {
            let count = profiles.filter(filled).count
            completeness.append([name, "\(count)", profiles.isEmpty ? "-" : String(format: "%.1f %%", Double(count) * 100 / Double(profiles.count))])
        }
        lines += TextTable.lines(completeness, leftAligned: 1, indent: "  ")
        return lines.joined(separator: "\n") + "\n"
    }

    static func lines(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        // Split on the bytes: splitting a String walks its characters, slow for a long line.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return bytes.split(separator: 0x0A).map { String(decoding: $0.last == 0x0D ? $0.dropLast() : $0, as: UTF8.self) }
    }

    /// A location without the data directory, which is long and the same for every record.
    static func shortened(_ location: SourceLocation) -> String {
        var short = location
        short.origin = URL(fileURLWithPath: location.origin).lastPathComponent
        return short.description
    }
}

/// Scores the entities against the truth: precision, recall and F1 of the pairs of records
/// that were put together, over the records that made it into profiles.
enum EntityCheck {
    static func score(entities: String, truth: String) throws -> String {
        func table(_ path: String) throws -> [(String, String)] {
            try QualityReport.lines(path).dropFirst().map { line in
                let columns = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                return (columns[0], columns[2 < columns.count && path == entities ? 2 : 1])
            }
        }
        let customerOf = Dictionary(try table(entities), uniquingKeysWith: { first, _ in first })
        let personOf = Dictionary(try table(truth), uniquingKeysWith: { first, _ in first })
        func pairs(_ groupOf: [String: String]) -> Set<[String]> {
            var groups: [String: [String]] = [:]
            for (record, group) in groupOf where customerOf[record] != nil { groups[group, default: []].append(record) }
            var result = Set<[String]>()
            for members in groups.values {
                let sorted = members.sorted()
                for i in sorted.indices { for j in sorted.indices where j > i { result.insert([sorted[i], sorted[j]]) } }
            }
            return result
        }
        let found = pairs(customerOf), real = pairs(personOf)
        let correct = found.intersection(real).count
        let precision = found.isEmpty ? 1 : Double(correct) / Double(found.count)
        let recall = real.isEmpty ? 1 : Double(correct) / Double(real.count)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        return String(format: "checked against %@: %d pairs found, %d true\nprecision %.4f\nrecall %.4f\nF1 %.4f",
                      truth, found.count, real.count, precision, recall, f1)
    }
}

// link-records: deduplicate one CSV of records, or link two, without labels.
//
//   link-records --left A.csv [--right B.csv] --id COLUMN [--fields spec] --pairs OUT.csv
//                --clusters OUT.csv [--truth TRUTH.csv] [--threshold P] [--explain N]
//   link-records generate --records N --output DIR [--seed S] [--split]
//
// --fields "first:given-name,last:family-name,dob:date,zip:code,mail:email,notes:ignore"
// sets what columns hold (otherwise guessed from names and values). Kinds: given-name,
// family-name, name, date, email, phone, code, number, text, category, identifier, ignore.
import Foundation
import Sluice

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("link-records: \(message)\n".utf8))
    exit(2)
}
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
func write(_ rows: [[String]], to path: String) {
    let text = rows.map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    do {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        fail("cannot write \(path): \(error.localizedDescription)")
    }
}
func read(_ path: String) -> (header: [String], rows: [[String]]) {
    do {
        let reader = try CSVFileReader(path: path)
        defer { reader.close() }
        guard let header = try reader.next() else { fail("\(path) is empty: a header is needed") }
        var rows: [[String]] = []
        while let row = try reader.next() {
            guard row.count == header.count else {
                fail("\(path):\(reader.line): \(row.count) fields where the header has \(header.count)")
            }
            rows.append(row)
        }
        return (header, rows)
    } catch {
        fail("\(error)")
    }
}

if arguments.first == "generate" {
    guard let output = option("--output") else { fail("generate needs --output DIR") }
    let count = Int(option("--records") ?? "10000") ?? 10_000
    let people = SyntheticPeople(count: count, seed: UInt64(option("--seed") ?? "7") ?? 7)
    let header = ["id", "first_name", "last_name", "dob", "postcode", "city", "email"]
    let rows = people.records.map { [$0.id, $0.first ?? "", $0.last ?? "", $0.birthDate ?? "", $0.postcode ?? "", $0.city ?? "", $0.email ?? ""] }
    if arguments.contains("--split") {
        let half = rows.count / 2
        write([header] + rows.prefix(half), to: output + "/a.csv")
        write([header] + rows.dropFirst(half), to: output + "/b.csv")
        let left = Set(rows.prefix(half).map { $0[0] })
        let crossing = people.truePairs.filter { left.contains($0[0]) != left.contains($0[1]) }
        write([["left_id", "right_id"]] + crossing.sorted { $0[0] < $1[0] || ($0[0] == $1[0] && $0[1] < $1[1]) }, to: output + "/truth.csv")
        print("wrote \(output)/a.csv, \(output)/b.csv (\(rows.count) records) and \(output)/truth.csv (\(crossing.count) true pairs across them)")
    } else {
        write([header] + rows, to: output + "/people.csv")
        write([["left_id", "right_id"]] + people.truePairs.sorted { $0[0] < $1[0] || ($0[0] == $1[0] && $0[1] < $1[1]) }, to: output + "/truth.csv")
        print("wrote \(output)/people.csv (\(rows.count) records) and \(output)/truth.csv (\(people.truePairs.count) true pairs)")
    }
    exit(0)
}

guard let leftPath = option("--left"), let idColumn = option("--id"),
      let pairsPath = option("--pairs"), let clustersPath = option("--clusters") else {
    fail("usage: link-records --left A.csv [--right B.csv] --id COLUMN [--fields spec] --pairs OUT.csv --clusters OUT.csv [--truth TRUTH.csv]")
}
var overrides: [String: ColumnKind] = [:]
for item in (option("--fields") ?? "").split(separator: ",") where !item.isEmpty {
    let parts = item.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, let kind = ColumnKind(rawValue: parts[1]) else {
        fail("--fields: '\(item)' is not column:kind with kind one of \(ColumnKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    overrides[parts[0]] = kind
}
let left = read(leftPath)
guard left.header.contains(idColumn) else { fail("\(leftPath) has no column '\(idColumn)' (columns: \(left.header.joined(separator: ", ")))") }
for column in overrides.keys where !left.header.contains(column) { fail("--fields: \(leftPath) has no column '\(column)'") }
var datasets = [left.rows]
if let rightPath = option("--right") {
    let right = read(rightPath)
    guard right.header == left.header else {
        fail("\(rightPath) has the columns \(right.header.joined(separator: ", ")); \(leftPath) has \(left.header.joined(separator: ", ")): they must be the same")
    }
    datasets.append(right.rows)
}
let allRows = datasets.flatMap { $0 }
let model = AutoModel(header: left.header, rows: allRows, idColumn: idColumn, kinds: overrides)
print("columns: " + left.header.map { "\($0)=\(model.kinds[$0]!.rawValue)" }.joined(separator: ", "))
let matcher = model.matcher(threshold: option("--threshold").flatMap(Double.init) ?? 0.99)
let start = ContinuousClock.now
let idIndex = model.idIndex
let result = datasets.count == 1 ? matcher.deduplicate(allRows, id: { $0[idIndex] }) : matcher.link(datasets, id: { $0[idIndex] })
let elapsed = ContinuousClock.now - start
print("candidate pairs: \(result.candidates.pairs.count) (" + result.candidates.perRule.map { "\($0.rule): \($0.pairs)" }.joined(separator: ", ") + ")")
for skipped in result.candidates.skippedBlocks { print("  left out a block of \(skipped.size) records (\(skipped.rule) = \(skipped.key))") }
let matches = result.matches.sorted { ($0.leftID, $0.rightID) < ($1.leftID, $1.rightID) }
write([["left_id", "right_id", "probability"]] + matches.map { [$0.leftID, $0.rightID, String(format: "%.6f", $0.probability)] }, to: pairsPath)
let clusterRows = zip(result.clusterOf, result.ids).map { [$0, $1] }.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
write([["cluster_id", "record_id"]] + clusterRows, to: clustersPath)
print("\(matches.count) pairs above \(matcher.threshold) → \(pairsPath); \(Set(result.clusterOf).count) entities → \(clustersPath) (\(String(format: "%.2f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) s)")
if let count = option("--explain").flatMap(Int.init) {
    for pair in matches.prefix(count) { print(result.explain(pair)) }
}
if let truthPath = option("--truth") {
    let truth = read(truthPath)
    guard truth.header.count >= 2 else { fail("\(truthPath): the truth file needs two id columns") }
    var truePairs = Set(truth.rows.map { [$0[0], $0[1]].sorted() })
    var accuracy = result.accuracy(truePairs: truePairs)
    if datasets.count == 2 {
        // Linking: only pairs across the two files count.
        let leftIDs = Set(left.rows.map { $0[idIndex] })
        truePairs = truePairs.filter { leftIDs.contains($0[0]) != leftIDs.contains($0[1]) }
        var predicted = Set<[String]>()
        for members in result.clusters.values {
            for a in members { for b in members where a < b && leftIDs.contains(a) != leftIDs.contains(b) { predicted.insert([a, b]) } }
        }
        let hits = Double(predicted.intersection(truePairs).count)
        let precision = predicted.isEmpty ? 1 : hits / Double(predicted.count)
        let recall = truePairs.isEmpty ? 1 : hits / Double(truePairs.count)
        accuracy = (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
    }
    print(String(format: "precision %.4f", accuracy.precision))
    print(String(format: "recall %.4f", accuracy.recall))
    print(String(format: "F1 %.4f", accuracy.f1))
}

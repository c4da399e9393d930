import Foundation
import Sluice

let countries = ["DE", "FR", "US", "JP", "BR", "IN", "GB", "ES", "IT", "SE"]

/// Writes `count` JSON Lines events like
/// `{"user":"u00042","ts":1767225600123,"amount":12.34,"country":"DE"}`: 10,000 users,
/// timestamps rising about 10 ms per event and up to 5 s out of order.
func generateEvents(count: Int, to path: String, seed: UInt64 = 42) throws {
    var random = SplitMix64(seed: seed)
    let output = try BufferedOutput(path: path)
    let base: Int64 = 1_767_225_600_000
    for index in 0..<count {
        let user = Int.random(in: 0..<10_000, using: &random)
        let ts = base + Int64(index) * 10 - Int64.random(in: 0...5_000, using: &random)
        let cents = Int.random(in: 1...50_000, using: &random)
        let country = countries[Int.random(in: 0..<countries.count, using: &random)]
        let digits = String(user)
        let fraction = cents % 100
        let line = "{\"user\":\"u\(String(repeating: "0", count: 5 - digits.count))\(digits)\",\"ts\":\(ts),\"amount\":\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction),\"country\":\"\(country)\"}\n"
        output.buffer.append(contentsOf: line.utf8)
        try output.flushIfNeeded()
    }
    try output.close()
}

/// Writes an RFC 4180 CSV with a header and `rows` records whose fields hold commas, doubled
/// quotes and line breaks.
func generateCSV(rows: Int, to path: String, seed: UInt64 = 7) throws {
    var random = SplitMix64(seed: seed)
    let output = try BufferedOutput(path: path)
    output.buffer.append(contentsOf: "id,name,comment,amount,country\r\n".utf8)
    let names = ["\"Müller, Anna\"", "Jean Dupont", "\"O'Neil, Pat\"", "Kenji Sato", "\"Ruiz, María José\"", "Zoë Brown"]
    let comments = ["ok", "\"said \"\"hello\"\" twice\"", "\"two\nlines\"", "", "\"a, b and c\"", "plain text comment"]
    for index in 0..<rows {
        let name = names[Int.random(in: 0..<names.count, using: &random)]
        let comment = comments[Int.random(in: 0..<comments.count, using: &random)]
        let cents = Int.random(in: 1...99_999, using: &random)
        let country = countries[Int.random(in: 0..<countries.count, using: &random)]
        output.buffer.append(contentsOf: "\(index),\(name),\(comment),\(cents / 100).\(cents % 100),\(country)\r\n".utf8)
        try output.flushIfNeeded()
    }
    try output.close()
}

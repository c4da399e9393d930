// The closing summary: the latest week per region, and how well streams foretell sales.
import Foundation
import Sluice

enum Summary {
    static func print(trends path: String, deadLetters: String) throws {
        let decoder = JSONRecordDecoder()
        let trends = try lines(path).map { try decoder.decode(WeeklyTrend.self, from: $0) }
        let letters = try lines(deadLetters).map { try decoder.decode(DeadLetter.self, from: $0) }
        guard let latest = trends.map(\.weekStart).max() else {
            Swift.print("No trends: nothing was landed.")
            return
        }
        let weeks = Set(trends.map(\.weekStart)).count, regions = Set(trends.map(\.region)).count
        Swift.print("\(trends.count) weekly trends (\(regions) regions × \(weeks) weeks) in \(path); the week of \(latest):")
        var rows = [["region", "top artist", "biggest climber", "new", "top genre: streams", "sales", "revenue £"]]
        for trend in trends.filter({ $0.weekStart == latest }).sorted(by: { $0.region < $1.region }) {
            rows.append([trend.region, trend.topArtist,
                         trend.biggestClimber.map { "\($0.artist) (\($0.from)→\($0.to))" } ?? "-", "\(trend.newEntries.count)",
                         trend.topGenreByStreams, trend.topGenreBySales ?? "-",
                         trend.salesRevenueGBP.map { String(format: "%.0f", $0) } ?? "-"])
        }
        for line in TextTable.lines(rows, leftAligned: 6, indent: "  ") { Swift.print(line) }
        let agreeing = trends.filter { $0.topGenreBySales != nil && $0.topGenreBySales == $0.topGenreByStreams }.count
        let withSales = trends.filter { $0.topGenreBySales != nil }.count
        Swift.print("The most streamed genre was also the best selling in \(agreeing) of \(withSales) region-weeks with sales.")
        Swift.print("\(letters.count) dead letters in \(deadLetters)\(letters.isEmpty ? "" : ":")")
        for letter in letters.prefix(10) {
            Swift.print("  [\(letter.stage)] \(letter.location.map { "\($0): " } ?? "")\(letter.error)")
        }
    }

    static func lines(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
    }
}

// The types of the transform: chart entries and sales in, weekly regional trends out.
import Foundation
import Sluice

/// One line of a regional weekly chart, as mapped from the landed API pages.
struct ChartEntry: Codable, Sendable, Hashable {
    var region: String
    /// The Monday the chart week starts, `yyyy-MM-dd`.
    var weekStart: String
    var rank: Int
    var artistId: String
    var artist: String
    /// One of `chartGenres`' names.
    var genre: String
    var streams: Int
    /// The response it came from, and its place there.
    var page: String?
    var position: Int?

    /// Event time: the start of the chart week.
    var weekTime: Timestamp { Timestamp.startOf(weekStart) }
}

/// One row of `sales.csv` as the sales system writes it.
struct SalesRow: Codable, Sendable {
    var week_start: String
    var region: String
    var genre: String
    var product: String
    var units: Int
    var revenue_gbp: Double
}

/// A sale standardised: the region as an ISO code.
struct Sale: Sendable {
    var region: String
    var weekStart: String
    var genre: String
    var product: String
    var units: Int
    var revenueGBP: Double

    /// Standardises a row; an unknown region or genre, or a week that is not a Monday, rejects it.
    init(row: SalesRow) throws {
        guard let code = Countries.code(row.region), chartRegions.contains(where: { $0.code == code }) else {
            throw RecordError("region '\(row.region)' is not one of the chart regions")
        }
        guard let day = CivilDate(iso: row.week_start), (day.daysSinceEpoch + 3) % 7 == 0 else {
            throw RecordError("week_start '\(row.week_start)' is not a Monday")
        }
        guard chartGenres.contains(where: { $0.name == row.genre }) else { throw RecordError("genre '\(row.genre)' is unknown") }
        region = code
        weekStart = row.week_start
        genre = row.genre
        product = row.product
        units = row.units
        revenueGBP = row.revenue_gbp
    }

    var key: String { "\(region)|\(weekStart)" }
    var weekTime: Timestamp { Timestamp.startOf(weekStart) }
}

/// A region's sales in one week, per genre.
struct SalesWeek: Sendable {
    var key: String
    var units: [String: Int] = [:]
    var vinyl: [String: Int] = [:]
    var merch: [String: Int] = [:]
    var revenue: [String: Double] = [:]

    init(_ window: WindowResult<String, [Sale]>) {
        key = window.key
        for sale in window.value {
            units[sale.genre, default: 0] += sale.units
            revenue[sale.genre, default: 0] += sale.revenueGBP
            if sale.product == "vinyl" { vinyl[sale.genre, default: 0] += sale.units } else { merch[sale.genre, default: 0] += sale.units }
        }
    }
}

/// A region's chart in one week, compared with the week before.
struct ChartWeek: Sendable {
    var region: String
    var weekStart: String
    var entries: [ChartEntry]
    var previous: [ChartEntry]

    var key: String { "\(region)|\(weekStart)" }

    /// The later week of a two-week sliding window, with the earlier one as its previous
    /// week; `nil` when the later half is empty (the window past the last week).
    static func from(_ window: WindowResult<String, [ChartEntry]>) -> ChartWeek? {
        let middle = window.start.millisecondsSinceEpoch + 7 * 86_400_000
        let later = window.value.filter { $0.weekTime.millisecondsSinceEpoch >= middle }
        guard let week = later.first?.weekStart else { return nil }
        let earlier = window.value.filter { $0.weekTime.millisecondsSinceEpoch < middle }
        return ChartWeek(region: window.key, weekStart: week, entries: later.sorted { $0.rank < $1.rank },
                         previous: earlier.sorted { $0.rank < $1.rank })
    }
}

/// What the sample writes: one region's week — who leads, who climbs, who is new, how each
/// genre streams and sells.
struct WeeklyTrend: Codable, Sendable, Equatable {
    struct Climber: Codable, Sendable, Equatable {
        var artist: String
        var from: Int
        var to: Int
    }
    struct Genre: Codable, Sendable, Equatable {
        var genre: String
        var streamShare: Double
        var salesShare: Double?
        var vinylUnits: Int?
        var merchUnits: Int?
        var revenueGBP: Double?
    }
    var region: String
    var weekStart: String
    var streams: Int
    var topArtist: String
    var biggestClimber: Climber?
    var newEntries: [String]
    var topGenreByStreams: String
    var topGenreBySales: String?
    var salesRevenueGBP: Double?
    var genres: [Genre]

    init(chart: ChartWeek, sales: SalesWeek?) {
        region = chart.region
        weekStart = chart.weekStart
        streams = chart.entries.reduce(0) { $0 + $1.streams }
        topArtist = chart.entries.first?.artist ?? "-"
        let before = Dictionary(chart.previous.map { ($0.artistId, $0.rank) }, uniquingKeysWith: min)
        biggestClimber = chart.entries.compactMap { entry -> Climber? in
            guard let was = before[entry.artistId], was > entry.rank else { return nil }
            return Climber(artist: entry.artist, from: was, to: entry.rank)
        }.max { ($0.from - $0.to, $1.to) < ($1.from - $1.to, $0.to) }
        newEntries = chart.previous.isEmpty ? [] : chart.entries.filter { before[$0.artistId] == nil }.map(\.artist)
        var byGenre: [String: Int] = [:]
        for entry in chart.entries { byGenre[entry.genre, default: 0] += entry.streams }
        let totalUnits = sales.map { $0.units.values.reduce(0, +) }
        let total = streams
        let genres = chartGenres.map { genre in
            Genre(genre: genre.name, streamShare: Self.share(byGenre[genre.name] ?? 0, of: total),
                  salesShare: totalUnits.map { Self.share(sales?.units[genre.name] ?? 0, of: $0) },
                  vinylUnits: sales?.vinyl[genre.name], merchUnits: sales?.merch[genre.name],
                  revenueGBP: sales?.revenue[genre.name].map { ($0 * 100).rounded() / 100 })
        }
        self.genres = genres
        topGenreByStreams = genres.max { ($0.streamShare, $1.genre) < ($1.streamShare, $0.genre) }!.genre
        topGenreBySales = sales == nil ? nil : genres.max { ($0.salesShare ?? 0, $1.genre) < ($1.salesShare ?? 0, $0.genre) }!.genre
        salesRevenueGBP = sales.map { ($0.revenue.values.reduce(0, +) * 100).rounded() / 100 }
    }

    static func share(_ part: Int, of total: Int) -> Double {
        total == 0 ? 0 : (Double(part) / Double(total) * 1_000).rounded() / 1_000
    }
}

extension Timestamp {
    /// Midnight UTC at the start of an ISO day (the epoch for a malformed one, which mapping
    /// has already rejected).
    static func startOf(_ isoDay: String) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(CivilDate(iso: isoDay)?.daysSinceEpoch ?? 0) * 86_400_000)
    }
}

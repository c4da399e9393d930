// The bundled data: twelve weeks of regional top-25 charts of made-up artists, as pages of a
// charts API, and the retailer's music-product sales by region and genre. `music-trends
// generate` writes it again; Data/ holds the default run.
import Foundation
import Sluice

/// The regions, with the names the sales system uses for them (not always the same one).
let chartRegions: [(code: String, salesNames: [String], size: Double)] = [
    ("GB", ["United Kingdom", "UK"], 1.0), ("DE", ["Germany", "Deutschland"], 1.1), ("FR", ["France"], 0.9),
    ("ES", ["Spain", "España"], 0.6), ("IT", ["Italy"], 0.6), ("NL", ["Netherlands", "The Netherlands"], 0.35),
    ("SE", ["Sweden"], 0.3), ("PL", ["Poland"], 0.45),
]

/// The genres, with the labels the charts API gives them.
let chartGenres: [(name: String, labels: [String])] = [
    ("pop", ["Pop", "pop", "POP"]), ("hip-hop", ["Hip-Hop", "hip hop", "Rap/Hip-Hop"]), ("rock", ["Rock", "rock"]),
    ("electronic", ["Electronic", "EDM", "Dance/Electronic"]), ("indie", ["Indie", "Alternative/Indie"]),
    ("latin", ["Latin", "Reggaeton/Latin"]),
]

/// Writes `api/top-artists-NN.json` (the pages), and `sales.csv`, into `directory`.
func generateMusicData(weeks: Int, seed: UInt64, into directory: String) throws {
    var random = SplitMix64(seed: seed)
    let artists = (0..<100).map { MadeUpArtist.make(index: $0, random: &random) }
    let firstMonday = CivilDate(year: 2026, month: 8, day: 3)!.daysSinceEpoch
    var entries: [String] = []
    var sales = ["week_start,region,genre,product,units,revenue_gbp"]
    for week in 0..<weeks {
        let monday = CivilDate(daysSinceEpoch: firstMonday + 7 * week)
        let published = CivilDate(daysSinceEpoch: firstMonday + 7 * week + 6)
        for region in chartRegions {
            // Each region's taste, and this week's streams of every artist there.
            let taste = chartGenres.indices.map { 0.5 + Double((region.code.unicodeScalars.first!.value + UInt32($0) * 7) % 10) / 10 }
            var scored = artists.map { artist -> (MadeUpArtist, Double) in
                let home = artist.home == region.code ? 3.0 : 1.0
                let noise = 0.85 + 0.3 * Double.random(in: 0..<1, using: &random)
                return (artist, artist.base * home * taste[artist.genre] * exp(artist.trend * Double(week)) * noise)
            }
            scored.sort { $0.1 > $1.1 }
            let chart = scored.prefix(25)
            var genreStreams = [Double](repeating: 0, count: chartGenres.count)
            for (rank, (artist, score)) in chart.enumerated() {
                let streams = Int(score * 40_000 * region.size)
                genreStreams[artist.genre] += Double(streams)
                let label = chartGenres[artist.genre].labels.randomElement(using: &random)!
                // The German feed sometimes sends numbers as text with thousands separators.
                let streamText = region.code == "DE" && random.chance(0.1) ? json(grouped(streams)) : String(streams)
                entries.append(#"{"region":"\#(region.code)","week_start":"\#(monday)","rank":\#(rank + 1),"artist":{"id":"\#(artist.id)","name":\#(json(artist.name))},"genre":\#(json(label)),"streams":\#(streamText),"updated_at":"\#(published)T23:00:00Z"}"#)
            }
            // Sales follow streaming, by genre, with noise.
            let total = genreStreams.reduce(0, +)
            for (genre, streams) in genreStreams.enumerated() {
                for (product, perShare, price) in [("vinyl", 900.0, 24.0), ("merch", 600.0, 18.0)] {
                    let units = Int(streams / total * perShare * region.size * (0.8 + 0.4 * Double.random(in: 0..<1, using: &random)))
                    let revenue = Double(units) * price * (0.9 + 0.2 * Double.random(in: 0..<1, using: &random))
                    sales.append("\(monday),\(region.salesNames.randomElement(using: &random)!),\(chartGenres[genre].name),\(product),\(units),\(String(format: "%.2f", revenue))")
                }
            }
        }
    }
    // Two entries the API gets wrong.
    entries[137] = entries[137].replacingOccurrences(of: #""name":"#, with: #""name":null,"was":"#)
    entries[1_001] = entries[1_001].replacingOccurrences(of: #""rank":"#, with: #""rank":0,"position":"#)
    let pageSize = 100
    let pages = stride(from: 0, to: entries.count, by: pageSize).map { Array(entries[$0..<min($0 + pageSize, entries.count)]) }
    try FileManager.default.createDirectory(atPath: directory + "/api", withIntermediateDirectories: true)
    for (index, page) in pages.enumerated() {
        let next = index + 1 < pages.count ? json(String(format: "c-%02d", index + 2)) : "null"
        let body = "{\"data\":[\n" + page.joined(separator: ",\n") + "\n],\n\"meta\":{\"page\":\(index + 1),\"pages\":\(pages.count),\"next\":\(next)}}\n"
        try body.write(toFile: directory + String(format: "/api/top-artists-%02d.json", index + 1), atomically: true, encoding: .utf8)
    }
    try (sales.joined(separator: "\n") + "\n").write(toFile: directory + "/sales.csv", atomically: true, encoding: .utf8)
}

/// A made-up artist: a genre, a home region, how popular, and whether rising or fading.
struct MadeUpArtist {
    var id: String
    var name: String
    var genre: Int
    var home: String
    var base: Double
    var trend: Double

    static func make(index: Int, random: inout SplitMix64) -> MadeUpArtist {
        let first = ["Nova", "Velvet", "Paper", "Neon", "Silver", "Midnight", "Golden", "Echo", "Crystal", "Wild", "Lunar",
                     "Static", "Honey", "Glass", "Electric", "Zoë", "Sólveig", "Señor", "Kōji", "Ødegaard"]
        let second = ["Lux", "Kites", "Harbour", "Tides", "Foxes", "Parade", "Avenue", "Garden", "Machine", "Hearts",
                      "Riot", "Bloom", "Atlas", "Ñandú", "Sirens"]
        let name = first[index % first.count] + " " + second[(index * 7 + index / first.count) % second.count]
        let rising = random.chance(0.12), fading = random.chance(0.2)
        return MadeUpArtist(id: String(format: "a%03d", index + 1), name: name, genre: Int.random(in: 0..<chartGenres.count, using: &random),
                            home: chartRegions.randomElement(using: &random)!.code,
                            base: exp(Double.random(in: 0..<2.2, using: &random)),
                            trend: rising ? Double.random(in: 0.15...0.35, using: &random) : fading ? -Double.random(in: 0.05...0.2, using: &random) : 0)
    }
}

extension SplitMix64 {
    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

func json(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// `1234567` as `1.234.567`.
func grouped(_ number: Int) -> String {
    var digits = Array(String(number)), groups: [String] = []
    while digits.count > 3 {
        groups.insert(String(digits.suffix(3)), at: 0)
        digits.removeLast(3)
    }
    groups.insert(String(digits), at: 0)
    return groups.joined(separator: ".")
}

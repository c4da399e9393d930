// How landed API pages become chart entries: split, mapped, standardised, validated.
import SluiceCore
import Foundation
import Sluice

enum Charts {
    /// The records of one landed page; a payload that is not a page of the API is rejected
    /// naming its URL and position.
    static func entries(of landed: LandedPayload) throws -> [Record] {
        let page: Record
        do {
            page = try JSONRecordDecoder().decode(Record.self, from: landed.payload)
        } catch {
            throw RecordError("the landed response of \(landed.origin) (\(landed.offset ?? "first page")) is not JSON: \(error)")
        }
        switch page["data"] {
        case .array(let values)?:
            // Each entry remembers the response it came from and its place there, as the HTTP
            // source does, so a rejected entry is named by URL and position.
            return values.enumerated().compactMap { index, value in
                guard case .record(var record) = value else { return nil }
                record.origin = SourceLocation(origin: landed.origin, line: index + 1)
                return record
            }
        case .null?, nil: return []
        default: throw RecordError("the landed response of \(landed.origin) has no 'data' list")
        }
    }

    /// One entry of a page; nested artist, genre labels to genres, streams as numbers or as
    /// text with thousands separators.
    static let entry = FieldMapping([
        .field("region", from: ["region"]),
        .field("weekStart", from: ["week_start"], as: .date(DateStandardiser(formats: ["yyyy-MM-dd"]))),
        .field("rank", from: ["rank"], as: .integer),
        .field("artistId", from: ["artist.id"]),
        .field("artist", from: ["artist.name"]),
        .field("genre", from: ["genre"], transform: { value in value.text.flatMap(genre).map(Value.string) }),
        .field("streams", from: ["streams"], as: .any, transform: { value in
            if case .int = value { return value }
            guard let text = value.text else { return nil }
            let digits = text.filter { !".,' ".contains($0) }
            return digits.allSatisfy(\.isNumber) ? Int(digits).map { .int(Int64($0)) } : nil
        }),
        .derived("page") { record in record.origin.map { .string($0.origin) } },
        .derived("position") { record in record.origin?.line.map { .int(Int64($0)) } },
    ])

    /// The genre a label stands for.
    static func genre(_ label: String) -> String? {
        let folded = Standardise.caseFold(label)
        return chartGenres.first { genre in genre.labels.contains { Standardise.caseFold($0) == folded } }?.name
    }

    /// What a chart entry must satisfy.
    static let rules: [ValidationRule<ChartEntry>] = [
        .range("rank 1–25", 1...25) { $0.rank },
        .range("streams not negative", 0...Int.max) { $0.streams },
        .allowed("known region", Set(chartRegions.map(\.code))) { $0.region },
    ]
}

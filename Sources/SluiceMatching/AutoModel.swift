import SluiceCore
import SluiceIntegration

/// What a column holds, as ``AutoModel`` reads it from the values.
public enum ColumnKind: String, Sendable, CaseIterable {
    /// Given names.
    case givenName = "given-name"
    /// Family names.
    case familyName = "family-name"
    /// Whole names, or other short words that sound alike when spelt differently.
    case name
    /// Dates in one of the common formats.
    case date
    /// Email addresses.
    case email
    /// Phone numbers.
    case phone
    /// Postcodes and other short codes mixing letters and digits.
    case code
    /// Numbers.
    case number
    /// Longer free text: addresses, descriptions.
    case text
    /// Short categorical values: a city, a country.
    case category
    /// A record identifier: not compared.
    case identifier
    /// Not used.
    case ignore
}

/// Chooses comparisons and blocking rules for rows of text columns (a CSV), from the column
/// names and contents, for linking without labels.
///
/// ```swift
/// let model = AutoModel(header: header, rows: rows, idColumn: "id")
/// print(model.kinds)      // ["first": .givenName, "dob": .date, …]
/// let result = model.matcher().deduplicate(rows, id: { $0[model.idIndex] })
/// ```
public struct AutoModel: Sendable {
    /// The column names.
    public let header: [String]
    /// The position of the id column.
    public let idIndex: Int
    /// What each column holds.
    public private(set) var kinds: [String: ColumnKind]
    /// The date formats tried, in order.
    public static let dateFormats = ["yyyy-MM-dd", "dd/MM/yyyy", "d/M/yyyy", "dd.MM.yyyy", "d MMM yyyy", "d MMMM yyyy",
                                     "MMM d, yyyy", "MMMM d, yyyy", "yyyyMMdd", "MM/dd/yyyy"]

    /// Profiles the columns of `rows`; `kinds` overrides the guess per column
    /// (`["dob": .date]`).
    public init(header: [String], rows: [[String]], idColumn: String, kinds overrides: [String: ColumnKind] = [:]) {
        self.header = header
        idIndex = header.firstIndex(of: idColumn) ?? 0
        var kinds: [String: ColumnKind] = [:]
        let dates = DateStandardiser(formats: Self.dateFormats)
        for (index, column) in header.enumerated() {
            if index == idIndex { kinds[column] = .identifier; continue }
            if let override = overrides[column] { kinds[column] = override; continue }
            let values = rows.lazy.map { index < $0.count ? $0[index].trimmingCharacters(in: .whitespaces) : "" }
                .filter { !$0.isEmpty }.prefix(2_000)
            kinds[column] = Self.guess(column: column, values: Array(values), dates: dates)
        }
        self.kinds = kinds
    }

    static func guess(column: String, values: [String], dates: DateStandardiser) -> ColumnKind {
        guard !values.isEmpty else { return .ignore }
        let name = column.lowercased().filter { $0.isLetter }
        func share(_ test: (String) -> Bool) -> Double { Double(values.filter(test).count) / Double(values.count) }
        if ["first", "firstname", "given", "givenname", "forename", "fname"].contains(name) { return .givenName }
        if ["last", "lastname", "surname", "family", "familyname", "lname"].contains(name) { return .familyName }
        if share({ $0.contains("@") && Standardise.email($0) != nil }) > 0.8 { return .email }
        if share({ dates.iso($0) != nil }) > 0.8 { return .date }
        if name.contains("phone") || name.contains("tel") || name.contains("mobile") { return .phone }
        if share({ Double($0) != nil }) > 0.9 {
            return Set(values).count > values.count * 9 / 10 ? .identifier : .number
        }
        let distinct = Set(values.map { $0.lowercased() }).count
        let averageLength = values.reduce(0) { $0 + $1.count } / values.count
        let mixed = share { value in value.contains(where: \.isLetter) && value.contains(where: \.isNumber) }
        if mixed > 0.8, averageLength <= 10 { return distinct > values.count * 9 / 10 && name.contains("id") ? .identifier : .code }
        if averageLength > 25 || share({ $0.split(separator: " ").count > 3 }) > 0.5 { return .text }
        if distinct < max(50, values.count / 20) { return .category }
        if share({ $0.allSatisfy { $0.isLetter || " -'.".contains($0) } }) > 0.9 { return .name }
        return .text
    }

    /// Comparisons and blocking for the columns' kinds: given and family names compared
    /// together (so that swapped names match), dates standardised, and a blocking rule for
    /// every column precise enough to block on.
    public func matcher(threshold: Double = 0.99) -> Matcher<[String]> {
        let dates = DateStandardiser(formats: Self.dateFormats)
        var comparisons: [Comparison<[String]>] = []
        var blocking: [BlockingRule<[String]>] = []
        func column(_ name: String) -> @Sendable ([String]) -> String? {
            let index = header.firstIndex(of: name)!
            return { row in index < row.count && !row[index].trimmingCharacters(in: .whitespaces).isEmpty ? row[index] : nil }
        }
        let given = header.first { kinds[$0] == .givenName }, family = header.first { kinds[$0] == .familyName }
        let firstDate = header.first { kinds[$0] == .date }.map { column($0) }
        if let given, let family {
            let g = column(given), f = column(family)
            comparisons.append(.personName("name", given: g, family: f))
            let year: @Sendable ([String]) -> String = { row in firstDate?(row).flatMap(dates.iso).map { String($0.prefix(4)) } ?? "" }
            let blockedOn = Set(["name"] + (firstDate == nil ? [] : [header.first { kinds[$0] == .date }!]))
            blocking.append(.keys("name sound", comparing: blockedOn) { row in
                [g(row), f(row)].compactMap { $0 }.map { Phonetic.metaphone($0) + year(row) }
            })
        } else {
            for name in [given, family].compactMap({ $0 }) {
                comparisons.append(.name(name, column(name)))
                blocking.append(.phonetic(name, column(name)))
            }
        }
        for name in header {
            let value = column(name)
            switch kinds[name] ?? .ignore {
            case .date:
                comparisons.append(.date(name) { value($0).flatMap(dates.iso) })
                blocking.append(.exact(name) { value($0).flatMap(dates.iso) })
            case .email:
                comparisons.append(.identifier(name, edits: 2) { value($0).flatMap(Standardise.email) })
                blocking.append(.exact(name) { value($0).flatMap(Standardise.email) })
            case .phone:
                comparisons.append(.identifier(name) { value($0)?.filter(\.isNumber) })
                blocking.append(.exact(name) { value($0)?.filter(\.isNumber) })
            case .code:
                comparisons.append(.identifier(name) { value($0)?.uppercased().filter { !$0.isWhitespace } })
                blocking.append(.exact(name) { value($0)?.uppercased().filter { !$0.isWhitespace } })
            case .number:
                comparisons.append(.number(name, value))
            case .name:
                comparisons.append(.name(name, value))
                blocking.append(.phonetic(name, value))
            case .text:
                comparisons.append(.words(name, value))
            case .category:
                comparisons.append(.exact(name, termFrequency: true, value))
            case .givenName, .familyName, .identifier, .ignore:
                break
            }
        }
        return Matcher(comparisons: comparisons, blocking: blocking, threshold: threshold)
    }
}

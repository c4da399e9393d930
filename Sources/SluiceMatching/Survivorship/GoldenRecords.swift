import SluiceCore
/// One field of a golden record, with where it came from.
public struct GoldenField: Sendable, Hashable, Codable {
    /// The field's name.
    public let name: String
    /// The surviving value; `nil` when no record of the entity had one.
    public let value: String?
    /// The record it was taken from.
    public let recordID: String?
    /// That record's source.
    public let source: String?

    /// A field.
    public init(name: String, value: String?, recordID: String?, source: String?) {
        self.name = name
        self.value = value
        self.recordID = recordID
        self.source = source
    }
}

/// The best single version of an entity, one field at a time.
public struct GoldenRecord: Sendable, Hashable, Codable {
    /// The entity (cluster) id.
    public let entity: String
    /// The records merged into it.
    public let members: [String]
    /// The fields, in the order of the rules.
    public let fields: [GoldenField]

    /// The field named `name`.
    public subscript(_ name: String) -> GoldenField? { fields.first { $0.name == name } }
}

/// How one field of a golden record is chosen among an entity's records.
///
/// Ties are broken by record id, so golden records do not depend on input order.
public struct SurvivorshipRule<Element>: Sendable {
    /// A record's value for the field, with what the rules may look at.
    public struct Candidate: Sendable {
        /// The value (never empty).
        public let value: String
        /// The record's id.
        public let recordID: String
        /// The record's source.
        public let source: String
        /// The record's position in the input.
        public let position: Int
    }

    /// The field's name.
    public let field: String
    let value: @Sendable (Element) -> String?
    let choose: @Sendable ([Candidate], [Element]) -> Candidate?

    /// A rule choosing among the candidates (non-empty values) with `choose`.
    public static func custom(_ field: String, _ value: @escaping @Sendable (Element) -> String?,
                              choose: @escaping @Sendable ([Candidate]) -> Candidate?) -> SurvivorshipRule {
        SurvivorshipRule(field: field, value: value) { candidates, _ in choose(candidates) }
    }

    /// The value of the record with the latest `time` (`time` may be missing: such records
    /// come last).
    public static func mostRecent<Time: Comparable & Sendable>(_ field: String, _ value: @escaping @Sendable (Element) -> String?,
                                                               time: @escaping @Sendable (Element) -> Time?) -> SurvivorshipRule {
        SurvivorshipRule(field: field, value: value) { candidates, records in
            candidates.max { a, b in
                let x = time(records[a.position]), y = time(records[b.position])
                switch (x, y) {
                case let (x?, y?) where x != y: return x < y
                case (nil, _?): return true
                case (_?, nil): return false
                default: return a.recordID > b.recordID
                }
            }
        }
    }

    /// The value from the most trusted source: `order` lists sources best first; sources not
    /// listed come after them.
    public static func sourcePriority(_ field: String, _ order: [String], _ value: @escaping @Sendable (Element) -> String?) -> SurvivorshipRule {
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return custom(field, value) { candidates in
            candidates.min { (rank[$0.source] ?? order.count, $0.recordID) < (rank[$1.source] ?? order.count, $1.recordID) }
        }
    }

    /// The value most records agree on.
    public static func mostFrequent(_ field: String, _ value: @escaping @Sendable (Element) -> String?) -> SurvivorshipRule {
        custom(field, value) { candidates in
            var counts: [String: Int] = [:]
            for candidate in candidates { counts[candidate.value, default: 0] += 1 }
            return candidates.max { (counts[$0.value]!, $1.recordID) < (counts[$1.value]!, $0.recordID) }
        }
    }

    /// The longest value (the most complete address, the full name).
    public static func longest(_ field: String, _ value: @escaping @Sendable (Element) -> String?) -> SurvivorshipRule {
        custom(field, value) { candidates in
            candidates.max { ($0.value.count, $1.recordID) < ($1.value.count, $0.recordID) }
        }
    }

    /// The first non-empty value in input order.
    public static func firstNonEmpty(_ field: String, _ value: @escaping @Sendable (Element) -> String?) -> SurvivorshipRule {
        custom(field, value) { candidates in candidates.min { $0.position < $1.position } }
    }
}

/// Builds one golden record per entity from its records, field by field.
///
/// ```swift
/// let golden = GoldenRecords<Customer>(id: \.id, source: \.system, rules: [
///     .sourcePriority("name", ["crm", "shop"]) { $0.name },
///     .mostRecent("email", { $0.email }, time: { $0.updatedAt }),
///     .mostFrequent("postcode") { $0.postcode },
///     .longest("address") { $0.address },
/// ])
/// let records = try golden.build(customers, clusterOf: result.clusterOf)
/// print(records[0]["email"]!.recordID!)      // where the surviving email came from
/// ```
public struct GoldenRecords<Element>: Sendable {
    let id: @Sendable (Element) -> String
    let source: @Sendable (Element) -> String
    /// The rules, one per field, in output order.
    public let rules: [SurvivorshipRule<Element>]

    /// Golden records with fields chosen by `rules`.
    public init(id: @escaping @Sendable (Element) -> String, source: @escaping @Sendable (Element) -> String = { _ in "" },
                rules: [SurvivorshipRule<Element>]) {
        self.id = id
        self.source = source
        self.rules = rules
    }

    /// One golden record per entity; `clusterOf` gives each record's entity, in input order
    /// (``MatchResult/clusterOf``). Entities come sorted by id. Throws when `clusterOf` does
    /// not give exactly one entity per record.
    public func build(_ records: [Element], clusterOf: [String]) throws -> [GoldenRecord] {
        guard records.count == clusterOf.count else {
            throw RecordError("golden records need one entity per record: \(records.count) records, \(clusterOf.count) entities")
        }
        var members: [String: [Int]] = [:]
        for (position, entity) in clusterOf.enumerated() { members[entity, default: []].append(position) }
        return members.keys.sorted().map { entity in
            let positions = members[entity]!
            let fields = rules.map { rule -> GoldenField in
                let candidates = positions.compactMap { position -> SurvivorshipRule<Element>.Candidate? in
                    guard let value = rule.value(records[position]), !value.isEmpty else { return nil }
                    return .init(value: value, recordID: id(records[position]), source: source(records[position]), position: position)
                }
                guard let chosen = rule.choose(candidates, records) else {
                    return GoldenField(name: rule.field, value: nil, recordID: nil, source: nil)
                }
                return GoldenField(name: rule.field, value: chosen.value, recordID: chosen.recordID, source: chosen.source)
            }
            return GoldenRecord(entity: entity, members: positions.map { id(records[$0]) }.sorted(), fields: fields)
        }
    }
}

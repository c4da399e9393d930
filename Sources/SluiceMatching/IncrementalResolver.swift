/// Where one record went when it was resolved incrementally.
public struct EntityAssignment<Element: Sendable>: Sendable {
    /// The record.
    public let element: Element
    /// Its id.
    public let recordID: String
    /// The entity it joined, or started (then the record's own id).
    public let entity: String
    /// The earlier record it matched best, and how likely that match is; `nil` for a new
    /// entity.
    public let matchedRecordID: String?
    /// The match probability with `matchedRecordID`.
    public let probability: Double?
}

extension EntityAssignment: Equatable where Element: Equatable {}

/// Resolves records one at a time, as they arrive in a stream: each new record is blocked
/// against the records seen so far, scored with a model trained beforehand, and joins the
/// entity of its best match above the threshold, or starts a new entity.
///
/// ```swift
/// let history = matcher.deduplicate(customersSoFar, id: \.id)      // trains the model
/// var resolver = IncrementalResolver(matcher: matcher, trainedOn: history, id: \.id)
/// resolver.seed(customersSoFar, entities: history.clusterOf)       // optional: start from them
/// let assignment = resolver.resolve(newCustomer)
/// ```
///
/// Only key-based blocking rules are used (sorted neighbourhood needs the whole dataset).
/// Entities are not merged after the fact: a record that matches two entities joins the one
/// of its best match.
public struct IncrementalResolver<Element: Sendable>: Sendable {
    /// The matcher whose comparisons, blocking and threshold are used.
    public let matcher: Matcher<Element>
    /// The trained model.
    public let model: FellegiSunterModel
    let termFrequencies: [[String: Double]]
    let trainingSize: Int
    let id: @Sendable (Element) -> String

    /// The records seen, in order, with their entities.
    public private(set) var records: [(id: String, element: Element, entity: String)] = []
    var prepared: [[PreparedValue?]] = []
    var index: [[String: [Int]]] = []

    /// A resolver using the model a batch run trained.
    public init(matcher: Matcher<Element>, trainedOn result: MatchResult, id: @escaping @Sendable (Element) -> String) {
        self.init(matcher: matcher, model: result.model, termFrequencies: result.termFrequencies,
                  trainingSize: result.ids.count, id: id)
    }

    /// A resolver with a given model (term frequencies from `termFrequencies`, estimated over
    /// `trainingSize` records).
    public init(matcher: Matcher<Element>, model: FellegiSunterModel, termFrequencies: [[String: Double]] = [],
                trainingSize: Int = 1, id: @escaping @Sendable (Element) -> String) {
        self.matcher = matcher
        self.model = model
        self.termFrequencies = termFrequencies
        self.trainingSize = trainingSize
        self.id = id
        index = Array(repeating: [:], count: matcher.blocking.count)
    }

    /// Adds records already resolved (with their entities), without scoring them.
    public mutating func seed(_ elements: [Element], entities: [String]) {
        for (element, entity) in zip(elements, entities) {
            remember(element, entity: entity, values: matcher.comparisons.map { $0.prepare(element) }, keys: blockingKeys(element))
        }
    }

    /// Adds a resolved record with its prepared values and blocking keys.
    mutating func remember(_ element: Element, entity: String, values: [PreparedValue?], keys: [(Int, Set<String>)]) {
        let position = records.count
        records.append((id(element), element, entity))
        prepared.append(values)
        for (rule, ruleKeys) in keys {
            for key in ruleKeys { index[rule][key, default: []].append(position) }
        }
    }

    func blockingKeys(_ element: Element) -> [(Int, Set<String>)] {
        matcher.blocking.enumerated().compactMap { position, rule in
            guard case .keys(let keys) = rule.kind else { return nil }
            return (position, Set(keys(element)))
        }
    }

    /// Resolves `element` against everything seen so far and remembers it.
    public mutating func resolve(_ element: Element) -> EntityAssignment<Element> {
        let values = matcher.comparisons.map { $0.prepare(element) }
        let keysOfElement = blockingKeys(element)
        var candidates = Set<Int>()
        for (rule, keys) in keysOfElement {
            for key in keys {
                guard let members = index[rule][key], members.count <= matcher.maximumBlockSize else { continue }
                candidates.formUnion(members)
            }
        }
        var best: (position: Int, probability: Double)?
        for candidate in candidates.sorted() {
            let vector = matcher.levels(values, prepared[candidate])
            let (weight, _) = matcher.score(vector, leftValues: { values[$0] }, model: model,
                                            termFrequencies: termFrequencies, records: trainingSize)
            let probability = FellegiSunterModel.probability(ofWeight: weight)
            if probability >= matcher.threshold, probability > (best?.probability ?? -1) { best = (candidate, probability) }
        }
        let recordID = id(element)
        let entity = best.map { records[$0.position].entity } ?? recordID
        remember(element, entity: entity, values: values, keys: keysOfElement)
        return EntityAssignment(element: element, recordID: recordID, entity: entity,
                                matchedRecordID: best.map { records[$0.position].id }, probability: best?.probability)
    }
}

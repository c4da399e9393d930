import SluiceCore

/// How candidate pairs are found without comparing every record with every other: records
/// that share a blocking key (or sit near each other in a sorted order) become candidates.
/// Several rules are unioned, so a pair missed by one can be found by another.
///
/// ```swift
/// let blocking: [BlockingRule<Person>] = [
///     .exact("postcode") { $0.postcode },
///     .phonetic("surname sound") { $0.surname },
///     .sortedNeighbourhood("birth date", window: 5) { $0.birthDate },
/// ]
/// ```
public struct BlockingRule<Element>: Sendable {
    enum Kind: Sendable {
        case keys(@Sendable (Element) -> [String])
        case sortedNeighbourhood(key: @Sendable (Element) -> String?, window: Int)
    }

    /// The rule's name, as the candidate report shows it.
    public let name: String
    /// The comparisons whose fields the rule blocks on: pairs the rule finds agree on them by
    /// construction, so training on those pairs must not learn their m from it. Defaults to
    /// the comparison with the rule's name.
    public let comparisons: Set<String>
    let kind: Kind

    init(name: String, comparisons: Set<String>?, kind: Kind) {
        self.name = name
        self.comparisons = comparisons ?? [name]
        self.kind = kind
    }

    /// Records with equal keys; a record may have several (`[]` for none).
    public static func keys(_ name: String, comparing: Set<String>? = nil,
                            _ keys: @escaping @Sendable (Element) -> [String]) -> BlockingRule {
        BlockingRule(name: name, comparisons: comparing, kind: .keys(keys))
    }

    /// Records whose normalised value is equal (missing values never block together).
    public static func exact(_ name: String, comparing: Set<String>? = nil,
                             _ value: @escaping @Sendable (Element) -> String?) -> BlockingRule {
        keys(name, comparing: comparing) { element in PreparedValue(value(element), features: []).map { [$0.text] } ?? [] }
    }

    /// Records whose normalised values share the first `length` characters.
    public static func prefix(_ name: String, length: Int, comparing: Set<String>? = nil,
                              _ value: @escaping @Sendable (Element) -> String?) -> BlockingRule {
        keys(name, comparing: comparing) { element in
            guard let text = PreparedValue(value(element), features: [])?.text, text.count >= length else { return [] }
            return [String(text.prefix(length))]
        }
    }

    /// Records whose values sound alike (same Metaphone code).
    public static func phonetic(_ name: String, comparing: Set<String>? = nil,
                                _ value: @escaping @Sendable (Element) -> String?) -> BlockingRule {
        keys(name, comparing: comparing) { element in
            guard let raw = value(element) else { return [] }
            let code = Phonetic.metaphone(raw)
            return code.isEmpty ? [] : [code]
        }
    }

    /// Sorted neighbourhood: records sorted by `key`, each paired with the next `window − 1`.
    /// Finds pairs whose keys are close but not equal (a typo late in the key).
    public static func sortedNeighbourhood(_ name: String, window: Int, comparing: Set<String>? = nil,
                                           _ key: @escaping @Sendable (Element) -> String?) -> BlockingRule {
        BlockingRule(name: name, comparisons: comparing, kind: .sortedNeighbourhood(key: { PreparedValue(key($0), features: [])?.text }, window: max(2, window)))
    }

    /// Locality-sensitive hashing of character q-grams (MinHash): records whose values share
    /// many q-grams become candidates with high probability, whatever the typos' positions.
    /// `bands × rows` hashes are computed; two records are candidates when all `rows` hashes
    /// of some band agree.
    public static func qGramLSH(_ name: String, q: Int = 3, bands: Int = 20, rows: Int = 3, comparing: Set<String>? = nil,
                                _ value: @escaping @Sendable (Element) -> String?) -> BlockingRule {
        keys(name, comparing: comparing) { element in
            guard let prepared = PreparedValue(value(element), features: []) else { return [] }
            let grams = Array(SetSimilarity.qGrams(prepared.scalars, q: q).keys)
            guard !grams.isEmpty else { return [] }
            var keys: [String] = []
            keys.reserveCapacity(bands)
            for band in 0..<bands {
                var signature = "\(band):"
                for row in 0..<rows {
                    let seed = UInt64(band * rows + row) &* 0x9E37_79B9_7F4A_7C15 &+ 0x632B_E59B_D9B4_E019
                    var minimum = UInt64.max
                    for gram in grams { minimum = min(minimum, SplitMix64.mix(gram ^ seed)) }
                    signature += String(minimum, radix: 36) + ","
                }
                keys.append(signature)
            }
            return keys
        }
    }
}

/// The candidate pairs blocking found, and how.
public struct CandidatePairs: Sendable {
    /// Record index pairs (first < second), each once, in ascending order.
    public var pairs: [(Int32, Int32)]
    /// Pairs each rule found (before removing pairs found by several rules).
    public var perRule: [(rule: String, pairs: Int)]
    /// For each rule, the positions in ``pairs`` of the pairs it found.
    public var foundBy: [[Int]] = []
    /// Blocks left out because they were larger than the limit, and their size.
    public var skippedBlocks: [(rule: String, key: String, size: Int)]

    /// Finds the candidates among `records` under `rules`. With `dataset` (the source of
    /// each record), only pairs from different sources are kept: linking, not
    /// deduplicating. A block of more than `maximumBlockSize` records would compare each
    /// with each and is left out (and reported).
    public static func find<Element>(in records: [Element], rules: [BlockingRule<Element>], dataset: [Int]? = nil,
                                     maximumBlockSize: Int = 2_000) -> CandidatePairs {
        var seen = Set<UInt64>()
        var byRule: [Set<UInt64>] = []
        var result = CandidatePairs(pairs: [], perRule: [], skippedBlocks: [])
        func add(_ a: Int, _ b: Int, count: inout Int) {
            guard a != b else { return }
            if let dataset, dataset[a] == dataset[b] { return }
            let (low, high) = a < b ? (a, b) : (b, a)
            let packed = UInt64(low) << 32 | UInt64(high)
            if byRule[byRule.count - 1].insert(packed).inserted { count += 1 }
            seen.insert(packed)
        }
        for rule in rules {
            byRule.append([])
            var found = 0
            switch rule.kind {
            case .keys(let keys):
                var blocks: [String: [Int]] = [:]
                for (index, record) in records.enumerated() {
                    for key in Set(keys(record)) { blocks[key, default: []].append(index) }
                }
                for (key, members) in blocks where members.count > 1 {
                    guard members.count <= maximumBlockSize else {
                        result.skippedBlocks.append((rule.name, key, members.count))
                        continue
                    }
                    for i in 0..<members.count {
                        for j in (i + 1)..<members.count { add(members[i], members[j], count: &found) }
                    }
                }
            case .sortedNeighbourhood(let key, let window):
                let sorted = records.indices.compactMap { index in key(records[index]).map { (key: $0, index: index) } }
                    .sorted { ($0.key, $0.index) < ($1.key, $1.index) }
                for i in sorted.indices {
                    for j in (i + 1)..<min(sorted.count, i + window) { add(sorted[i].index, sorted[j].index, count: &found) }
                }
            }
            result.perRule.append((rule.name, found))
        }
        let sorted = seen.sorted()
        result.pairs = sorted.map { (Int32($0 >> 32), Int32($0 & 0xFFFF_FFFF)) }
        var position: [UInt64: Int] = [:]
        for (index, packed) in sorted.enumerated() { position[packed] = index }
        result.foundBy = byRule.map { $0.compactMap { position[$0] }.sorted() }
        return result
    }
}

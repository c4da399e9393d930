import SluiceCore
import Dispatch
import Foundation

/// Entity resolution without labels: blocking finds candidate pairs, comparisons turn each
/// pair into levels, a Fellegi–Sunter model — u from random pairs, m by
/// expectation–maximisation — scores them, and pairs above the threshold are clustered into
/// entities.
///
/// ```swift
/// let matcher = Matcher<Person>(
///     comparisons: [.personName("name", given: { $0.first }, family: { $0.last }),
///                   .date("birth date") { $0.birthDate },
///                   .identifier("postcode") { $0.postcode }],
///     blocking: [.exact("postcode") { $0.postcode }, .phonetic("surname") { $0.last }])
/// let result = matcher.deduplicate(people, id: { $0.id })
/// print(result.explain(result.matches[0]))
/// ```
public struct Matcher<Element: Sendable>: Sendable {
    /// How pairs are compared.
    public var comparisons: [Comparison<Element>]
    /// How candidate pairs are found.
    public var blocking: [BlockingRule<Element>]
    /// The match probability at and above which a pair is a match.
    public var threshold: Double
    /// Random pairs drawn to estimate u.
    public var randomPairs: Int
    /// Seeds the random pairs, so that results repeat.
    public var seed: UInt64
    /// Blocks larger than this are left out (see ``CandidatePairs``).
    public var maximumBlockSize: Int

    /// A matcher.
    public init(comparisons: [Comparison<Element>], blocking: [BlockingRule<Element>], threshold: Double = 0.9,
                randomPairs: Int = 200_000, seed: UInt64 = 42, maximumBlockSize: Int = 2_000) {
        self.comparisons = comparisons
        self.blocking = blocking
        self.threshold = threshold
        self.randomPairs = randomPairs
        self.seed = seed
        self.maximumBlockSize = maximumBlockSize
    }

    /// Finds the records of one dataset that describe the same entity. With `labelledMatches`
    /// (pairs of ids known to match), m is learned from those pairs instead of by EM.
    public func deduplicate(_ records: [Element], id: (Element) -> String, labelledMatches: Set<[String]>? = nil) -> MatchResult {
        resolve(records, ids: records.map(id), dataset: nil, labelledMatches: labelledMatches)
    }

    /// Finds the records of two or more datasets that describe the same entity; pairs within
    /// one dataset are not compared.
    public func link(_ datasets: [[Element]], id: (Element) -> String, labelledMatches: Set<[String]>? = nil) -> MatchResult {
        let records = datasets.flatMap { $0 }
        let dataset = datasets.enumerated().flatMap { index, records in Array(repeating: index, count: records.count) }
        return resolve(records, ids: records.map(id), dataset: dataset, labelledMatches: labelledMatches)
    }

    func resolve(_ records: [Element], ids: [String], dataset: [Int]?, labelledMatches: Set<[String]>? = nil) -> MatchResult {
        let prepared = comparisons.map { comparison in records.map { comparison.prepare($0) } }
        let termFrequencies: [[String: Double]] = comparisons.indices.map { index in
            guard comparisons[index].adjustsForTermFrequency else { return [:] }
            var counts: [String: Int] = [:]
            var present = 0
            for value in prepared[index] { if let value { counts[value.text, default: 0] += 1; present += 1 } }
            return counts.mapValues { Double($0) / Double(max(1, present)) }
        }
        let candidates = CandidatePairs.find(in: records, rules: blocking, dataset: dataset, maximumBlockSize: maximumBlockSize)
        let vectors = levels(of: candidates.pairs, prepared: prepared)

        var model = FellegiSunterModel(comparisons: comparisons.map { comparison in
            let count = comparison.levels.count
            // m starts high on the most similar level and falls off: EM moves it from there.
            let raw = (0..<count).map { level in level == 0 ? 8.0 : pow(0.5, Double(level)) }
            let sum = raw.reduce(0, +)
            return .init(name: comparison.name, levels: comparison.levels, m: raw.map { $0 / sum },
                         u: [Double](repeating: 1 / Double(count), count: count))
        }, prior: 0.1)
        let random = levels(of: randomSample(count: records.count, dataset: dataset), prepared: prepared)
        let levelCounts = comparisons.map(\.levels.count)
        for index in comparisons.indices {
            model.comparisons[index].u = FellegiSunterModel.estimateU(levelCounts: levelCounts, randomVectors: random, comparison: index)
        }
        // m: one EM session per blocking rule, on the pairs that rule found, leaving out the
        // comparisons it blocks on; each comparison's m is the average over the sessions that
        // could learn it, weighted by their pairs.
        var mSums = comparisons.map { [Double](repeating: 0, count: $0.levels.count) }
        var mWeights = [Double](repeating: 0, count: comparisons.count)
        for (rule, found) in zip(blocking, candidates.foundBy) where !found.isEmpty {
            let active = comparisons.map { !rule.comparisons.contains($0.name) }
            guard active.contains(true) else { continue }
            var patterns: [[Int8]: Int] = [:]
            for index in found { patterns[vectors[index], default: 0] += 1 }
            let m = model.estimateM(patterns: patterns.map { ($0.key, $0.value) }, active: active)
            for index in comparisons.indices where active[index] {
                for level in m[index].indices { mSums[index][level] += m[index][level] * Double(found.count) }
                mWeights[index] += Double(found.count)
            }
        }
        for index in comparisons.indices where mWeights[index] > 0 {
            model.comparisons[index].m = mSums[index].map { $0 / mWeights[index] }
        }
        if let labelledMatches, !labelledMatches.isEmpty {
            // Labels: m is how the known matches are distributed over the levels (smoothed).
            let position = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let pairs = labelledMatches.compactMap { pair -> (Int32, Int32)? in
                guard pair.count == 2, let a = position[pair[0]], let b = position[pair[1]], a != b else { return nil }
                return (Int32(min(a, b)), Int32(max(a, b)))
            }
            let labelled = levels(of: pairs, prepared: prepared)
            for index in comparisons.indices {
                var counts = [Double](repeating: 0.5, count: comparisons[index].levels.count)
                for vector in labelled where vector[index] >= 0 { counts[Int(vector[index])] += 1 }
                let total = counts.reduce(0, +)
                model.comparisons[index].m = counts.map { max(FellegiSunterModel.mFloor, $0 / total) }
            }
        }
        var patterns: [[Int8]: Int] = [:]
        for vector in vectors { patterns[vector, default: 0] += 1 }
        model.estimatePrior(patterns: patterns.map { ($0.key, $0.value) })

        let scored: [ScoredPair] = candidates.pairs.indices.map { index in
            let (a, b) = candidates.pairs[index]
            let (weight, adjustments) = score(vectors[index], leftValues: { prepared[$0][Int(a)] }, model: model,
                                              termFrequencies: termFrequencies, records: records.count)
            return ScoredPair(left: Int(a), right: Int(b), leftID: ids[Int(a)], rightID: ids[Int(b)], levels: vectors[index],
                              termFrequencyAdjustments: adjustments, weight: weight,
                              probability: FellegiSunterModel.probability(ofWeight: weight))
        }
        var sets = UnionFind(count: records.count)
        for pair in scored where pair.probability >= threshold { sets.union(pair.left, pair.right) }
        var clusterOf = [String](repeating: "", count: records.count)
        for group in sets.groups() {
            let clusterID = group.map { ids[$0] }.min() ?? ""
            for member in group { clusterOf[member] = clusterID }
        }
        return MatchResult(ids: ids, model: model, candidates: candidates, scored: scored, threshold: threshold,
                           clusterOf: clusterOf, termFrequencies: termFrequencies, prepared: prepared)
    }

    /// A pair's match weight from its levels, with term-frequency adjustments for exact
    /// agreement on rare or common values; and those adjustments per comparison.
    func score(_ vector: [Int8], leftValues: (Int) -> PreparedValue?, model: FellegiSunterModel,
               termFrequencies: [[String: Double]], records: Int) -> (Double, [Double]) {
        var weight = model.weight(of: vector)
        var adjustments: [Double] = Array(repeating: 0, count: comparisons.count)
        for comparison in comparisons.indices where vector[comparison] == 0 && comparisons[comparison].adjustsForTermFrequency {
            guard comparison < termFrequencies.count, let text = leftValues(comparison)?.text,
                  let frequency = termFrequencies[comparison][text] else { continue }
            let adjustment = log2(model.comparisons[comparison].u[0] / max(frequency, 1 / Double(max(1, records))))
            adjustments[comparison] = adjustment
            weight += adjustment
        }
        return (weight, adjustments)
    }

    /// The levels of one pair of prepared records.
    func levels(_ a: [PreparedValue?], _ b: [PreparedValue?]) -> [Int8] {
        var vector = [Int8](repeating: -1, count: comparisons.count)
        for (position, comparison) in comparisons.enumerated() {
            guard let x = a[position], let y = b[position] else { continue }
            vector[position] = Int8(comparison.level(x, y))
        }
        return vector
    }

    /// The levels of each pair, computed in parallel over chunks of pairs.
    func levels(of pairs: [(Int32, Int32)], prepared: [[PreparedValue?]]) -> [[Int8]] {
        var result = [[Int8]](repeating: [], count: pairs.count)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(1, (pairs.count + workers - 1) / workers)
        // The level functions alone, so that the hot loop is not generic over Element (no
        // metadata lookups), and values are compared in place (no copies, no retains).
        let levelFunctions = comparisons.map(\.level)
        result.withUnsafeMutableBufferPointer { output in
            let buffer = UnsafeMutableBufferPointerBox(output)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let start = worker * chunk
                let end = min(pairs.count, start + chunk)
                guard start < end else { return }
                for index in start..<end {
                    let (a, b) = pairs[index]
                    var vector = [Int8](repeating: -1, count: levelFunctions.count)
                    for position in levelFunctions.indices {
                        prepared[position].withUnsafeBufferPointer { values in
                            guard values[Int(a)] != nil, values[Int(b)] != nil else { return }
                            vector[position] = Int8(levelFunctions[position](values[Int(a)].unsafelyUnwrapped, values[Int(b)].unsafelyUnwrapped))
                        }
                    }
                    buffer.pointer[index] = vector
                }
            }
        }
        return result
    }

    /// Distinct random pairs (from different datasets when linking), seeded.
    func randomSample(count: Int, dataset: [Int]?) -> [(Int32, Int32)] {
        guard count > 1 else { return [] }
        let possible = count * (count - 1) / 2
        let wanted = min(randomPairs, possible)
        var generator = SplitMix64(seed: seed)
        var chosen = Set<UInt64>()
        var attempts = 0
        while chosen.count < wanted && attempts < wanted * 20 {
            attempts += 1
            let a = Int(generator.next() % UInt64(count)), b = Int(generator.next() % UInt64(count))
            guard a != b else { continue }
            if let dataset, dataset[a] == dataset[b] { continue }
            let (low, high) = a < b ? (a, b) : (b, a)
            chosen.insert(UInt64(low) << 32 | UInt64(high))
        }
        return chosen.sorted().map { (Int32($0 >> 32), Int32($0 & 0xFFFF_FFFF)) }
    }
}

/// Lets the parallel workers write disjoint slots of one buffer.
struct UnsafeMutableBufferPointerBox<T>: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<T>
    init(_ pointer: UnsafeMutableBufferPointer<T>) { self.pointer = pointer }
}

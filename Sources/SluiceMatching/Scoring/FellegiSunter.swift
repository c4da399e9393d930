import Foundation

/// The Fellegi–Sunter model: for each comparison and level, how likely that level is among
/// true matches (m) and among non-matches (u). Each level's match weight is log2(m / u); a
/// pair's weight is the prior's plus the sum of its levels', and its match probability
/// follows from that.
public struct FellegiSunterModel: Sendable, Codable, Equatable {
    /// The parameters of one comparison.
    public struct Parameters: Sendable, Codable, Equatable {
        /// The comparison's name.
        public var name: String
        /// Its level names, most similar first.
        public var levels: [String]
        /// P(level | match), per level.
        public var m: [Double]
        /// P(level | non-match), per level.
        public var u: [Double]

        /// log2(m / u) of `level`.
        public func weight(_ level: Int) -> Double { log2(m[level] / u[level]) }
    }

    /// One set of parameters per comparison, in order.
    public var comparisons: [Parameters]
    /// The share of candidate pairs that are matches, before looking at them.
    public var prior: Double

    /// The prior's weight, log2(prior / (1 − prior)).
    public var priorWeight: Double { log2(prior / (1 - prior)) }

    /// A pair's match weight from its levels (−1 for a missing value: no evidence).
    public func weight(of levels: [Int8]) -> Double {
        var total = priorWeight
        for (index, level) in levels.enumerated() where level >= 0 {
            total += comparisons[index].weight(Int(level))
        }
        return total
    }

    /// The probability that a weight means a match.
    public static func probability(ofWeight weight: Double) -> Double {
        let odds = exp2(weight)
        return odds.isInfinite ? 1 : odds / (1 + odds)
    }

    /// Smallest probability a parameter may take, so that no level is impossible.
    static let floor = 1e-6
    /// Smallest m: at least this share of true matches may show any level (a typo, a stale
    /// value), so that one disagreement never vetoes a match outright.
    static let mFloor = 1e-3

    /// u from comparison vectors of random pairs (nearly all non-matches): each level's share,
    /// smoothed.
    static func estimateU(levelCounts: [Int], randomVectors: [[Int8]], comparison index: Int) -> [Double] {
        var counts = [Double](repeating: 1, count: levelCounts[index])      // add-one smoothing
        for vector in randomVectors where vector[index] >= 0 { counts[Int(vector[index])] += 1 }
        let total = counts.reduce(0, +)
        return counts.map { max(floor, $0 / total) }
    }

    /// A pair's weight counting only the comparisons in `active`, with `prior`.
    func weight(of levels: [Int8], active: [Bool], prior: Double) -> Double {
        var total = log2(prior / (1 - prior))
        for (index, level) in levels.enumerated() where level >= 0 && active[index] {
            total += comparisons[index].weight(Int(level))
        }
        return total
    }

    /// Estimates m for the `active` comparisons by expectation–maximisation over candidate
    /// pairs' comparison vectors, u held fixed, without labels; returns the m it found (and
    /// leaves the model as it was). The comparisons the pairs were blocked on are left out:
    /// within those pairs they agree by construction and would teach nothing but bias.
    /// Identical vectors are grouped, so an iteration is one pass over the distinct patterns.
    func estimateM(patterns: [(vector: [Int8], count: Int)], active: [Bool], iterations: Int = 60,
                   tolerance: Double = 1e-7) -> [[Double]] {
        var working = self
        var prior = 0.3
        for _ in 0..<iterations {
            var matchMass = comparisons.map { [Double](repeating: 0, count: $0.levels.count) }
            var observedMass = [Double](repeating: 0, count: comparisons.count)
            var totalMatch = 0.0
            var total = 0.0
            for (vector, count) in patterns {
                let p = Self.probability(ofWeight: working.weight(of: vector, active: active, prior: prior)) * Double(count)
                totalMatch += p
                total += Double(count)
                for (index, level) in vector.enumerated() where level >= 0 && active[index] {
                    matchMass[index][Int(level)] += p
                    observedMass[index] += p
                }
            }
            var change = 0.0
            for index in comparisons.indices where active[index] && observedMass[index] > 0 {
                for level in comparisons[index].m.indices {
                    let updated = max(Self.mFloor, matchMass[index][level] / observedMass[index])
                    change = max(change, abs(updated - working.comparisons[index].m[level]))
                    working.comparisons[index].m[level] = updated
                }
            }
            let updatedPrior = min(0.999, max(Self.floor, totalMatch / max(total, 1)))
            change = max(change, abs(updatedPrior - prior))
            prior = updatedPrior
            if change < tolerance { break }
        }
        return working.comparisons.map(\.m)
    }

    /// Estimates the prior alone (m and u fixed) over candidate pairs: a well-behaved
    /// one-parameter EM, the share of candidates that are matches.
    mutating func estimatePrior(patterns: [(vector: [Int8], count: Int)], iterations: Int = 100) {
        let all = [Bool](repeating: true, count: comparisons.count)
        for _ in 0..<iterations {
            var expected = 0.0
            var total = 0.0
            for (vector, count) in patterns {
                expected += Self.probability(ofWeight: weight(of: vector, active: all, prior: prior)) * Double(count)
                total += Double(count)
            }
            let updated = min(1 - Self.floor, max(Self.floor, expected / max(total, 1)))
            if abs(updated - prior) < 1e-9 { prior = updated; break }
            prior = updated
        }
    }
}

import Foundation

/// A compared candidate pair.
public struct ScoredPair: Sendable {
    /// The records' positions in the input (all datasets concatenated when linking).
    public let left: Int, right: Int
    /// The records' ids.
    public let leftID: String, rightID: String
    /// The level of each comparison; −1 where a value was missing.
    public let levels: [Int8]
    /// Weight added for rare (or removed for common) exactly matching values, per comparison.
    public let termFrequencyAdjustments: [Double]
    /// The match weight: prior + levels + adjustments.
    public let weight: Double
    /// The match probability.
    public let probability: Double
}

/// What a ``Matcher`` found: the trained model, the candidates, the scored pairs and the
/// entities.
public struct MatchResult: Sendable {
    /// Record ids, in input order.
    public let ids: [String]
    /// The trained model.
    public let model: FellegiSunterModel
    /// The candidate pairs and how blocking found them.
    public let candidates: CandidatePairs
    /// Every candidate pair with its probability.
    public let scored: [ScoredPair]
    /// The probability threshold used.
    public let threshold: Double
    /// The entity (cluster id: the smallest record id in it) of each record, in input order.
    public let clusterOf: [String]
    /// For comparisons with term-frequency adjustment: each value's share of the records.
    public let termFrequencies: [[String: Double]]
    let prepared: [[PreparedValue?]]

    /// The pairs at or above the threshold.
    public var matches: [ScoredPair] { scored.filter { $0.probability >= threshold } }

    /// Clusters of more than one record: cluster id → record ids.
    public var clusters: [String: [String]] {
        var members: [String: [String]] = [:]
        for (index, cluster) in clusterOf.enumerated() { members[cluster, default: []].append(ids[index]) }
        return members.filter { $0.value.count > 1 }
    }

    /// Why a pair scored as it did: each comparison's level, m, u and weight, the prior and
    /// the total, as text.
    public func explain(_ pair: ScoredPair) -> String {
        func row(_ cells: [String]) -> String {
            let widths = [44, 36, 8, 8, 8]
            return "  " + cells.enumerated().map { index, cell in
                index < 2 ? cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, widths[index] - cell.count)) + cell
            }.joined(separator: " ")
        }
        func number(_ value: Double, _ format: String) -> String { String(format: format, value) }
        var lines = ["\(pair.leftID) ↔ \(pair.rightID): match probability \(number(pair.probability, "%.4f")) (weight \(number(pair.weight, "%+.2f")))"]
        lines.append(row(["comparison (left / right)", "level", "m", "u", "weight"]))
        lines.append(row(["prior", "", "", "", number(model.priorWeight, "%+.2f")]))
        for (index, parameters) in model.comparisons.enumerated() {
            let level = Int(pair.levels[index])
            let left = prepared[index][pair.left]?.text ?? "∅", right = prepared[index][pair.right]?.text ?? "∅"
            let shown = "\(parameters.name) (\(left) / \(right))"
            guard level >= 0 else {
                lines.append(row([shown, "missing", "", "", "+0.00"]))
                continue
            }
            lines.append(row([shown, parameters.levels[level], number(parameters.m[level], "%.4f"),
                              number(parameters.u[level], "%.4f"), number(parameters.weight(level), "%+.2f")]))
            if pair.termFrequencyAdjustments[index] != 0 {
                lines.append(row(["", "term frequency of '\(left)'", "", "", number(pair.termFrequencyAdjustments[index], "%+.2f")]))
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension MatchResult {
    /// Precision, recall and F1 of the pairs the clusters imply (every two records of one
    /// cluster), against `truePairs` (each a sorted pair of ids).
    public func accuracy(truePairs: Set<[String]>) -> (precision: Double, recall: Double, f1: Double) {
        var predicted = Set<[String]>()
        for members in clusters.values {
            let sorted = members.sorted()
            for i in 0..<sorted.count { for j in (i + 1)..<sorted.count { predicted.insert([sorted[i], sorted[j]]) } }
        }
        let truePositives = Double(predicted.intersection(truePairs).count)
        let precision = predicted.isEmpty ? 1 : truePositives / Double(predicted.count)
        let recall = truePairs.isEmpty ? 1 : truePositives / Double(truePairs.count)
        return (precision, recall, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall))
    }
}

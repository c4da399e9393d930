import Foundation
import SluiceMatching

/// Deduplicates seeded synthetic people (a known share duplicated 1–3 times with realistic
/// corruption) without labels, beside a hand-written loop doing the same comparisons.
enum MatchingBenchmark {
    static func run(records counts: [Int], threshold: Double) {
        print("(matching) synthetic people deduplicated without labels: blocking, Fellegi–Sunter (EM), clustering")
        for count in counts {
            let people = SyntheticPeople(count: count, seed: 20_261_121)
            let matcher = SyntheticPeople.referenceMatcher(threshold: threshold)
            var result: MatchResult?
            let start = ContinuousClock.now
            result = matcher.deduplicate(people.records, id: \.id)
            let elapsed = ContinuousClock.now - start
            guard let result else { return }
            let (precision, recall, f1) = result.accuracy(truePairs: people.truePairs)
            let comparisons = Double((result.candidates.pairs.count + matcher.randomPairs) * matcher.comparisons.count)
            // The loop: the same field comparisons over the same candidate pairs, one thread.
            let loop = measureLoop(people.records, pairs: result.candidates.pairs, matcher: matcher)
            print(String(format: "  %7d records: %8d candidate pairs (%@), %5.2f M comparisons/s, %6.2fs; precision %.4f recall %.4f F1 %.4f",
                         people.records.count, result.candidates.pairs.count,
                         result.candidates.perRule.map { "\($0.rule) \($0.pairs)" }.joined(separator: ", ") as NSString,
                         comparisons / elapsed.seconds / 1e6, elapsed.seconds, precision, recall, f1))
            print(String(format: "           scoring the candidates: sluice %.3fs with training and clustering; single-threaded comparison loop %.3fs (ratio %.2f×)",
                         elapsed.seconds, loop.seconds, elapsed.seconds / loop.seconds))
            if arguments.contains("--explain"), let borderline = result.matches.min(by: { $0.probability < $1.probability }) {
                print(result.explain(borderline).split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            }
        }
    }

    /// Compares every candidate pair on every comparison in a plain loop.
    static func measureLoop(_ records: [SyntheticPeople.Person], pairs: [(Int32, Int32)],
                            matcher: Matcher<SyntheticPeople.Person>) -> Duration {
        let prepared = matcher.comparisons.map { comparison in records.map { comparison.prepare($0) } }
        let start = ContinuousClock.now
        var checksum = 0
        for (a, b) in pairs {
            for (index, comparison) in matcher.comparisons.enumerated() {
                if let x = prepared[index][Int(a)], let y = prepared[index][Int(b)] { checksum &+= comparison.compare(x, y) }
            }
        }
        precondition(checksum >= 0)
        return ContinuousClock.now - start
    }
}

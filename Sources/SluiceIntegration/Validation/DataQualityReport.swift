import SluiceCore
import Synchronization

/// Passes and failures per validation rule and per source, filled by ``Validate`` stages as
/// a run goes; read it (or print it) afterwards.
///
/// ```
/// rule            source        passed  failed
/// email           shop-a.csv        98       2
/// email           shop-b.jsonl      40       0
/// ```
public final class DataQualityReport: Sendable, CustomStringConvertible {
    /// Counts of one rule for one source.
    public struct Counts: Sendable, Hashable {
        /// Records that passed.
        public var passed = 0
        /// Records that failed.
        public var failed = 0
        /// Counts.
        public init(passed: Int = 0, failed: Int = 0) {
            self.passed = passed
            self.failed = failed
        }
    }

    private let counts = Mutex<[String: [String: Counts]]>([:])

    /// An empty report.
    public init() {}

    /// The counts of `rule` for `source` (all sources together when `nil`).
    public func counts(rule: String, source: String? = nil) -> Counts {
        counts.withLock { table in
            guard let bySource = table[rule] else { return Counts() }
            if let source { return bySource[source] ?? Counts() }
            return bySource.values.reduce(into: Counts()) { total, counts in
                total.passed += counts.passed
                total.failed += counts.failed
            }
        }
    }

    /// The rules seen, sorted.
    public var rules: [String] { counts.withLock { $0.keys.sorted() } }

    /// Adds a chunk's tally (rule → source → counts): one lock per chunk, not per record.
    func add(_ tally: [String: [String: Counts]]) {
        guard !tally.isEmpty else { return }
        counts.withLock { table in
            for (rule, bySource) in tally {
                for (source, counts) in bySource {
                    table[rule, default: [:]][source, default: Counts()].passed += counts.passed
                    table[rule, default: [:]][source, default: Counts()].failed += counts.failed
                }
            }
        }
    }

    /// A table: one row per rule and source.
    public var description: String {
        let rows = counts.withLock { table in
            table.sorted { $0.key < $1.key }.flatMap { rule, bySource in
                bySource.sorted { $0.key < $1.key }.map { [rule, $0.key, "\($0.value.passed)", "\($0.value.failed)"] }
            }
        }
        return TextTable.lines([["rule", "source", "passed", "failed"]] + rows, leftAligned: 2).joined(separator: "\n")
    }
}

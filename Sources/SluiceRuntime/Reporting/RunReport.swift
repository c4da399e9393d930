import Foundation
import SluiceCore

/// What one stage did during a run.
public struct StageReport: Sendable, Hashable {
    /// The stage's unique name.
    public var name: String
    /// Source, transform or sink.
    public var kind: StageKind
    /// Instances that ran.
    public var parallelism: Int
    /// Elements that entered the stage (for sources: records read, good or bad).
    public var recordsIn: Int
    /// Elements the stage emitted downstream (for sinks: elements written).
    public var recordsOut: Int
    /// Records the stage rejected, whether skipped or dead-lettered.
    public var errored: Int
    /// The part of ``errored`` that went to dead letters.
    public var deadLettered: Int
    /// Elements that arrived too late to change any result (behind a window's allowed
    /// lateness): sent to the stage's late-event route, or, without one, dead-lettered and so
    /// also counted in ``deadLettered``.
    public var late: Int = 0
    /// Time the stage spent suspended on a full channel downstream, summed over instances.
    public var blockedOnBackpressure: Duration
    /// The stage's gauges (``StageContext/gauge``) as they last were, summed over instances.
    public var gauges: [String: Int] = [:]
}

/// The outcome of a run: per-stage counts, dead letters and wall time.
public struct RunReport: Sendable, CustomStringConvertible {
    /// The pipeline's name.
    public var pipeline: String
    /// One entry per stage, in declaration order.
    public var stages: [StageReport]
    /// From start to the last stage finishing.
    public var wallTime: Duration
    /// Dead letters, when the pipeline has no dead-letter sink (otherwise they went there).
    public var deadLetters: [DeadLetter]
    /// What the checkpoints did, when the run took them.
    public var checkpoints: CheckpointStatistics?
    /// Stage failures the run recovered from by restarting (see ``RestartStrategy``), in
    /// order; the counts above are those of the last attempt.
    public var restarts: [String] = []
    /// Set when a ``StopHandle`` stopped the run: the savepoint it stopped at, from which the
    /// next run resumes.
    public var stoppedAtSavepoint: UInt64?
    /// With checkpoints: each stage's counts since the pipeline first started, across resumed
    /// runs (``stages`` has this run's alone); `nil` without checkpoints.
    public var sinceFirstStart: [StageTotals]?

    /// The report of the stage named `name`.
    public subscript(stage name: String) -> StageReport? {
        stages.first { $0.name == name }
    }

    /// Records rejected by all stages.
    public var totalErrored: Int { stages.reduce(0) { $0 + $1.errored } }
    /// Records dead-lettered by all stages.
    public var totalDeadLettered: Int { stages.reduce(0) { $0 + $1.deadLettered } }
    /// Late elements seen by all stages.
    public var totalLate: Int { stages.reduce(0) { $0 + $1.late } }

    /// A table: one row per stage.
    public var description: String {
        func seconds(_ duration: Duration) -> String {
            let (s, atto) = duration.components
            return String(format: "%.3fs", Double(s) + Double(atto) / 1e18)
        }
        let header = ["stage", "kind", "×", "in", "out", "errored", "dead", "late", "blocked"]
        var rows = stages.map { stage in
            [stage.name, stage.kind.rawValue, "\(stage.parallelism)", "\(stage.recordsIn)",
             "\(stage.recordsOut)", "\(stage.errored)", "\(stage.deadLettered)", "\(stage.late)",
             seconds(stage.blockedOnBackpressure)]
        }
        rows.insert(header, at: 0)
        var lines = ["Run report for \"\(pipeline)\" — wall time \(seconds(wallTime))"]
        lines += TextTable.lines(rows, leftAligned: 2, indent: "  ", ruleAfterHeader: true)
        for stage in stages where !stage.gauges.isEmpty {
            lines.append("  \(stage.name): " + stage.gauges.sorted { $0.key < $1.key }.map { "\($0.key) \(RunProgress.grouped($0.value))" }.joined(separator: ", "))
        }
        if !deadLetters.isEmpty { lines.append("  \(deadLetters.count) dead letter(s) kept in the report") }
        for failure in restarts { lines.append("  restarted after: \(failure)") }
        if let savepoint = stoppedAtSavepoint { lines.append("  stopped on request at savepoint \(savepoint)") }
        if let checkpoints {
            var line = "  checkpoints: \(checkpoints.completed) completed"
            if let newest = checkpoints.newest { line += ", newest \(newest) (\(checkpoints.newestSizeBytes) bytes)" }
            line += ", longest \(seconds(checkpoints.longestDuration))"
            if let restored = checkpoints.restoredFrom { line += "; resumed from checkpoint \(restored)" }
            lines.append(line)
            for skipped in checkpoints.skippedOnRestore { lines.append("  skipped on restore: \(skipped)") }
        }
        if checkpoints?.restoredFrom != nil, let totals = sinceFirstStart {
            lines.append("  since the first start:")
            let table = [["stage", "in", "out", "errored", "dead"]]
                + totals.map { [$0.name, "\($0.recordsIn)", "\($0.recordsOut)", "\($0.errored)", "\($0.deadLettered)"] }
            lines += TextTable.lines(table, leftAligned: 1, indent: "    ", ruleAfterHeader: true)
        }
        return lines.joined(separator: "\n")
    }
}

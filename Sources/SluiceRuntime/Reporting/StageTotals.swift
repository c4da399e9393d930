import SluiceCore

/// What a stage did since a checkpointed pipeline first started, across every resumed run:
/// the counts its checkpoints carried forward plus this run's. Records that a crashed run
/// handled after its last checkpoint are not counted twice: they count once, in the run that
/// handled them again.
public struct StageTotals: Sendable, Hashable, Codable {
    /// The stage's name.
    public var name: String
    /// Elements that entered the stage (for sources: records read).
    public var recordsIn = 0
    /// Elements the stage emitted (for sinks: written).
    public var recordsOut = 0
    /// Records rejected, skipped or dead-lettered.
    public var errored = 0
    /// The part of ``errored`` that went to dead letters.
    public var deadLettered = 0

    /// Zero counts for `name`.
    public init(name: String) { self.name = name }

    mutating func add(_ other: StageTotals) {
        recordsIn += other.recordsIn
        recordsOut += other.recordsOut
        errored += other.errored
        deadLettered += other.deadLettered
    }

    mutating func add(_ outcome: StageOutcome, input: Int, output: Int?) {
        recordsIn += input
        recordsOut += output ?? outcome.output?.count ?? 0
        errored += outcome.skipped + outcome.deadLetters.count
        deadLettered += outcome.deadLetters.count
    }
}

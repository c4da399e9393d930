/// Where a run keeps its checkpoints: a directory (``CheckpointPolicy/every(_:in:keep:allowDroppingState:)``),
/// or a store of your own — a broker's object store, so that a process on another machine can
/// take the work over.
///
/// The runtime calls ``write(id:pipeline:isFinal:parts:)`` from one thread at a time, in
/// order of `id`; the sinks' transactions are published only after it returns, so a
/// checkpoint must be durable then. A store may refuse to write (by throwing) when another
/// process has taken its work over: the run then fails without publishing, which is how a
/// replaced process is fenced off.
public protocol CheckpointStorage: Sendable, CustomStringConvertible {
    /// Writes checkpoint `id` durably: it exists once this returns, never half.
    func write(id: UInt64, pipeline: String, isFinal: Bool, parts: [CheckpointPart]) throws
    /// The newest checkpoint that is complete and intact, and what was wrong with newer ones.
    /// Throws when damaged checkpoints exist but none is usable: starting from scratch could
    /// then publish output twice, so the user must decide.
    func newestUsable() throws -> (checkpoint: RestoredCheckpoint?, skipped: [String])
    /// Deletes complete checkpoints beyond the newest `keep`, and unfinished ones older than
    /// `newest`.
    func prune(keep: Int, newest: UInt64)
}

/// A sink writer that takes part in checkpoints with a two-phase commit, so that what it
/// publishes matches the checkpointed state exactly: nothing lost, nothing twice.
///
/// 1. Between checkpoints it writes where readers cannot see it (a file whose name starts
///    with `.` or `_`, a transaction left open).
/// 2. At a checkpoint barrier, ``preCommit(_:)`` makes that output durable — still invisible —
///    and returns a `Transaction` describing how to publish it. The transaction is saved in
///    the checkpoint.
/// 3. Once the whole checkpoint is durable, the runtime calls ``commit(_:)`` with it. After a
///    crash, the runtime calls `commit` again for the transactions of the checkpoint it
///    restores, so `commit` must be idempotent: publishing what is already published does
///    nothing.
/// 4. ``recover(after:)`` tells a new writer which transaction was committed last, so it
///    can discard pending output of checkpoints that never completed.
///
/// A sink that cannot hide output can instead be idempotent: write with keys that make a
/// replayed record overwrite itself.
public protocol TransactionalSinkWriter: SinkWriter, SendableMetatype {
    /// How to publish one checkpoint's output; saved in the checkpoint.
    associatedtype Transaction: Codable & Sendable

    /// Makes everything written since the last pre-commit durable and invisible.
    mutating func preCommit(_ checkpoint: CheckpointID) async throws -> Transaction

    /// Publishes `transaction`. Idempotent.
    static func commit(_ transaction: Transaction) throws

    /// Called before the first write when checkpoints are on: `committed` is the transaction
    /// of the restored checkpoint (already committed), `nil` on a fresh start.
    mutating func recover(after committed: Transaction?) async throws
}

extension TransactionalSinkWriter {
    /// Pre-commits and encodes the transaction (callable on an existential).
    @usableFromInline mutating func preCommitEncoded(_ checkpoint: CheckpointID) async throws -> [UInt8] {
        try StateCoding.encode(try await preCommit(checkpoint))
    }

    /// Recovers from an encoded transaction (callable on an existential).
    @usableFromInline mutating func recoverEncoded(after committed: [UInt8]?) async throws {
        try await recover(after: committed.map { try StateCoding.decode(Transaction.self, from: $0) })
    }

    /// Commits an encoded transaction (callable on an existential metatype).
    @usableFromInline static func commitEncoded(_ bytes: [UInt8]) throws {
        try commit(try StateCoding.decode(Transaction.self, from: bytes))
    }
}

/// When a run takes checkpoints, where it keeps them, and what it may do on restore.
///
/// ```swift
/// try await pipeline.run(checkpoints: .every(.seconds(2), in: "state/revenue"))
/// ```
///
/// With a policy, the run first looks for the newest complete checkpoint in its storage
/// and, if there is one, resumes from it: sources continue after the last record it covers,
/// stateful stages get their state back, and sinks publish what that checkpoint pre-committed.
public struct CheckpointPolicy: Sendable {
    /// Time between checkpoints (processing time, on the run's clock).
    public var interval: Duration
    /// Where checkpoints live.
    public var storage: any CheckpointStorage
    /// Where checkpoints live, as text: the directory, or the storage's description.
    public var directory: String { storage.description }
    /// How many complete checkpoints to keep (at least 1).
    public var keep: Int
    /// Stages whose saved state may be dropped on restore when the pipeline no longer has
    /// them or their state no longer decodes; any other mismatch fails the restore.
    public var allowDroppingState: Set<String>

    /// A checkpoint every `interval` in `directory`, keeping the newest `keep`.
    public static func every(_ interval: Duration, in directory: String, keep: Int = 3,
                             allowDroppingState: Set<String> = []) -> CheckpointPolicy {
        every(interval, in: CheckpointStore(directory: directory), keep: keep, allowDroppingState: allowDroppingState)
    }

    /// A checkpoint every `interval` in `storage`, keeping the newest `keep`.
    public static func every(_ interval: Duration, in storage: any CheckpointStorage, keep: Int = 3,
                             allowDroppingState: Set<String> = []) -> CheckpointPolicy {
        CheckpointPolicy(interval: interval, storage: storage, keep: max(1, keep), allowDroppingState: allowDroppingState)
    }
}

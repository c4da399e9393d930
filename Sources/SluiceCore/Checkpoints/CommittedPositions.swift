import Synchronization

/// The source positions of the newest checkpoint that is durable and whose sinks' output is
/// committed: what a source may now let go of upstream — a replication slot's confirmed
/// position, a broker's acknowledged sequence. Before that, a crash restores an older
/// checkpoint and the source must read again from there, so letting go earlier loses data.
///
/// The runtime publishes each completed checkpoint's positions here (and the restored
/// checkpoint's when a run resumes); a ``CheckpointableSourceReader`` reads its own through
/// ``StageContext/committedPositions``, from its own task.
public final class CommittedPositions: Sendable {
    private struct Key: Hashable {
        let stage: String
        let instance: Int
    }

    private let positions = Mutex<(checkpoint: UInt64?, byInstance: [Key: [UInt8]])>((nil, [:]))

    /// An empty record.
    public init() {}

    /// Records checkpoint `checkpoint`'s encoded position of `stage`'s instance `instance`.
    public func publish(checkpoint: UInt64, stage: String, instance: Int, position bytes: [UInt8]) {
        positions.withLock { state in
            if let newest = state.checkpoint, newest > checkpoint { return }
            state.checkpoint = checkpoint
            state.byInstance[Key(stage: stage, instance: instance)] = bytes
        }
    }

    /// The newest committed checkpoint, if any.
    public var checkpoint: UInt64? { positions.withLock { $0.checkpoint } }

    /// The newest committed position of `stage`'s instance `instance`, decoded as `type`;
    /// `nil` when no checkpoint holding one has committed.
    public func position<Position: Decodable>(of stage: String, instance: Int, as type: Position.Type) throws -> Position? {
        guard let bytes = positions.withLock({ $0.byInstance[Key(stage: stage, instance: instance)] }) else { return nil }
        return try StateCoding.decode(Position.self, from: bytes)
    }
}

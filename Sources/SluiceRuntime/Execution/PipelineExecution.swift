import SluiceCore

/// Everything one run shares between its tasks: the plan, the channels, the counters.
final class PipelineExecution: Sendable {
    let plan: PhysicalPlan
    /// The pipeline's name.
    let pipelineName: String
    let options: RunOptions
    let metrics: [StageMetrics]
    /// What each stage's instances share during this run, by graph index.
    let sharedStates: [InstanceSharedState]
    /// Input channels per chain, one per instance; empty for source chains.
    let channels: [[BoundedChannel]]
    let deadLetterStore = DeadLetterStore()
    let commitGate: CommitGate
    /// Set when the run takes checkpoints.
    let checkpoints: CheckpointCoordinator?
    /// The checkpoint the run resumes from.
    let restored: RestoredCheckpoint?
    /// Each chain's first participant number in checkpoints (instances follow).
    let participantOffsets: [Int]

    init(graph: LogicalGraph, plan: PhysicalPlan, options: RunOptions, pipelineName: String = "pipeline",
         checkpoints: CheckpointCoordinator? = nil, restored: RestoredCheckpoint? = nil) {
        self.plan = plan
        self.pipelineName = pipelineName
        self.options = options
        self.checkpoints = checkpoints
        self.restored = restored
        var offsets: [Int] = []
        var next = 0
        for chain in plan.chains {
            offsets.append(next)
            next += chain.parallelism
        }
        participantOffsets = offsets
        metrics = graph.nodes.map(StageMetrics.init)
        sharedStates = graph.nodes.map { _ in InstanceSharedState() }
        channels = plan.chains.map { chain in
            graph[chain.head].kind == .source ? []
                : (0..<chain.parallelism).map { _ in BoundedChannel(capacity: options.channelCapacity) }
        }
        commitGate = CommitGate(participants: plan.chains.reduce(0) { $0 + $1.parallelism })
    }

    func failAllChannels() {
        for chain in channels { for channel in chain { channel.fail() } }
    }
}

extension PhysicalPlan: @unchecked Sendable {}

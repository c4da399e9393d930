import SluiceCore

/// Everything one run shares between its tasks: the plan, the channels, the counters.
final class PipelineExecution: Sendable {
    let plan: PhysicalPlan
    let options: RunOptions
    let metrics: [StageMetrics]
    /// Input channels per chain, one per instance; empty for source chains.
    let channels: [[BoundedChannel]]
    let deadLetterStore = DeadLetterStore()
    let commitGate: CommitGate

    init(graph: LogicalGraph, options: RunOptions) {
        let plan = PhysicalPlan(graph: graph)
        self.plan = plan
        self.options = options
        metrics = graph.nodes.map(StageMetrics.init)
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

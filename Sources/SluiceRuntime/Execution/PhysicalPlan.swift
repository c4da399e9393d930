import SluiceCore

/// How the logical graph runs: stages fused into chains (one task per chain instance) and the
/// edges between chains with their routing.
struct PhysicalPlan {
    /// Consecutive stages that run in one task, head first.
    struct Chain {
        let index: Int
        var nodes: [NodeID]
        let parallelism: Int
        var head: NodeID { nodes[0] }
        var tail: NodeID { nodes[nodes.count - 1] }
    }

    /// How a chain's output reaches the instances of a consumer chain.
    enum Routing {
        /// Instance i sends to instance i (equal parallelism).
        case forward
        /// Each instance sends chunks to the consumer instances in turn.
        case roundRobin
        /// Each element goes to the instance its key hashes to.
        case partitioned(Partitioner)
    }

    /// An edge from a chain's tail to a consumer chain's head.
    struct Edge {
        let consumer: Int
        let routing: Routing
        /// The stage whose late-event side output the edge carries, rather than the chain's
        /// main output.
        let lateOutputOf: NodeID?
        /// The output of a stage with several (an ``OutputRouter``) that the edge carries.
        let output: Int?
        /// The producer index of upstream instance 0 in the consumer's channels; instance i
        /// uses `producerOffset + i` unless the routing is `.forward`.
        let producerOffset: Int

        func producerIndex(instance: Int) -> Int {
            if case .forward = routing { return producerOffset }
            return producerOffset + instance
        }
    }

    let graph: LogicalGraph
    private(set) var chains: [Chain] = []
    private(set) var chainOfNode: [Int] = []
    /// Outgoing edges per chain.
    private(set) var outputs: [[Edge]] = []
    /// Producers feeding each instance's channel, per chain (0 for source chains).
    private(set) var producerCounts: [Int] = []
    /// Per chain, for each producer index: whether it feeds the right side of a two-input head.
    private(set) var producerIsRight: [[Bool]] = []
    /// The chain that receives dead letters, if any, and each chain's producer offset in it.
    private(set) var deadLetterChain: Int?
    private(set) var deadLetterProducerOffset: [Int] = []

    init(graph: LogicalGraph) {
        self.graph = graph
        chainOfNode = Array(repeating: -1, count: graph.nodes.count)
        for node in graph.nodes {
            if let upstream = fusionTarget(for: node) {
                let chain = chainOfNode[upstream.index]
                chains[chain].nodes.append(node.id)
                chainOfNode[node.id.index] = chain
            } else {
                chainOfNode[node.id.index] = chains.count
                chains.append(Chain(index: chains.count, nodes: [node.id], parallelism: node.parallelism))
            }
        }
        outputs = Array(repeating: [], count: chains.count)
        producerCounts = Array(repeating: 0, count: chains.count)
        producerIsRight = Array(repeating: [], count: chains.count)
        for chain in chains {
            let head = graph[chain.head]
            for (position, input) in head.inputs.enumerated() {
                let isRight = position >= head.leftInputCount
                let upstream = chains[chainOfNode[input.index]]
                let routing: Routing
                if !head.readsLateOutput, let partitioner = graph[input].partitioner {
                    routing = .partitioned(partitioner)
                } else if upstream.parallelism == chain.parallelism {
                    routing = .forward
                } else {
                    routing = .roundRobin
                }
                outputs[upstream.index].append(Edge(consumer: chain.index, routing: routing,
                                                    lateOutputOf: head.readsLateOutput ? input : nil,
                                                    output: head.readsOutput,
                                                    producerOffset: producerCounts[chain.index]))
                let added: Int
                if case .forward = routing { added = 1 } else { added = upstream.parallelism }
                producerCounts[chain.index] += added
                producerIsRight[chain.index] += Array(repeating: isRight, count: added)
            }
        }
        if let sink = graph.deadLetterSink {
            let chain = chainOfNode[sink.index]
            deadLetterChain = chain
            deadLetterProducerOffset = Array(repeating: 0, count: chains.count)
            var offset = 0
            for other in chains where other.index != chain {
                deadLetterProducerOffset[other.index] = offset
                offset += other.parallelism
            }
            producerCounts[chain] = offset
        }
    }

    /// The node `node` fuses into, if any: a stateless transform joins the chain of its only
    /// input when that input feeds nothing else, is not key-partitioned, and runs with the
    /// same parallelism.
    private func fusionTarget(for node: LogicalNode) -> NodeID? {
        guard node.kind == .transform, node.isStateless, node.inputs.count == 1, !node.readsLateOutput,
              node.readsOutput == nil else { return nil }
        let upstream = graph[node.inputs[0]]
        guard upstream.kind != .sink, upstream.partitioner == nil,
              upstream.parallelism == node.parallelism,
              graph.consumers(of: upstream.id) == [node.id] else { return nil }
        return upstream.id
    }
}

/// A pipeline divided at its repartitioning ``KeyBy`` stages, for runs spread over processes:
/// segment 0 reads the pipeline's sources; each later segment reads what the one before it
/// published into an exchange, partitioned by the new key.
public struct PipelineSegments: Sendable {
    /// The segments in order, each a pipeline of its own: segment 0 starts at the original
    /// sources, each later one at the source of the exchange before it.
    public let pipelines: [Pipeline]
    /// The exchanges between the segments: exchange `i` is published by segment
    /// `producingSegment` and read by the next.
    public let exchanges: [Exchange]
}

extension Pipeline {
    /// Whether the pipeline has a ``KeyBy`` that repartitions when it runs over processes.
    public var hasExchanges: Bool { graph.nodes.contains { $0.exchange != nil } }

    /// Divides the pipeline at every repartitioning ``KeyBy``: the stages before it, which
    /// publish its keyed elements through `transport`'s sink, and the stages after it, which
    /// read them back from `transport`'s source, one partition per run. A pipeline without one
    /// is a single segment.
    ///
    /// Fails when a stage reads stages on both sides of an exchange (a join of a stream with
    /// its own repartitioned self), or when a repartitioned element type is not Codable.
    public func segments(transport: any ExchangeTransport) throws -> PipelineSegments {
        let nodes = graph.nodes
        // The segment of each node: the number of exchanges on its way from the sources. Every
        // input of a stage must agree.
        var segment = Array(repeating: 0, count: nodes.count)
        for node in nodes where node.id != graph.deadLetterSink {
            var found: Int?
            for input in node.inputs {
                guard input.index < node.id.index else {
                    throw RecordError("stage '\(node.name)' reads '\(nodes[input.index].name)', declared after it; cannot divide the pipeline")
                }
                let arriving = segment[input.index] + (nodes[input.index].exchange == nil || node.readsLateOutput ? 0 : 1)
                if let found, found != arriving {
                    throw RecordError("stage '\(node.name)' reads stages on both sides of a repartitioning KeyBy; in a cluster each stage must read one segment (mark a KeyBy whose key is the input's partitioning with .sameAsInputPartitioning())")
                }
                found = arriving
            }
            segment[node.id.index] = found ?? 0
        }
        var exchanges: [Exchange] = []
        var exchangeOf: [Int: Exchange] = [:]
        var keyByOf: [Int: LogicalNode] = [:]
        for node in nodes {
            guard let endpoint = node.exchange else { continue }
            if let reason = endpoint.unavailable {
                throw RecordError("KeyBy '\(node.name)' repartitions across processes, but \(reason); or mark it .sameAsInputPartitioning() if its key is the input's partitioning")
            }
            let exchange = Exchange(index: exchanges.count, stage: node.name, producingSegment: segment[node.id.index])
            exchanges.append(exchange)
            exchangeOf[node.id.index] = exchange
            keyByOf[exchange.index] = node
        }
        guard !exchanges.isEmpty else { return PipelineSegments(pipelines: [self], exchanges: []) }
        let count = (segment.max() ?? 0) + 1
        var pipelines: [Pipeline] = []
        for current in 0..<count {
            var builder = GraphBuilder()
            var renumbered: [Int: NodeID] = [:]
            // The exchanges this segment reads, each through a source keyed like its KeyBy.
            var readFrom: [Int: NodeID] = [:]
            for exchange in exchanges where exchange.producingSegment == current - 1 {
                let keyBy = keyByOf[exchange.index]!
                let source = keyBy.exchange!.addSource(transport, exchange, &builder)
                builder.setPartitioner(keyBy.partitioner, of: source)
                readFrom[keyBy.id.index] = source
            }
            for node in nodes where node.id != graph.deadLetterSink && segment[node.id.index] == current {
                var copy = node
                copy.id = NodeID(builder.graph.nodes.count)
                copy.inputs = node.inputs.map { input in
                    if exchangeOf[input.index] != nil, !node.readsLateOutput, let source = readFrom[input.index] { return source }
                    return renumbered[input.index]!
                }
                if let exchange = exchangeOf[node.id.index] {
                    copy.exchange = nil
                    builder.adopt(copy)
                    renumbered[node.id.index] = copy.id
                    node.exchange!.addSink(transport, exchange, &builder, copy.id)
                } else {
                    builder.adopt(copy)
                    renumbered[node.id.index] = copy.id
                }
            }
            if let sink = graph.deadLetterSink {
                var copy = nodes[sink.index]
                copy.id = NodeID(builder.graph.nodes.count)
                builder.adopt(copy)
                builder.setDeadLetterSink(copy.id)
            }
            let part = Pipeline(name: name, graph: builder.graph)
            let problems = part.validate()
            guard problems.isEmpty else {
                throw RecordError("segment \(current) of pipeline '\(name)' cannot run: \(problems.joined(separator: "; "))")
            }
            pipelines.append(part)
        }
        return PipelineSegments(pipelines: pipelines, exchanges: exchanges)
    }
}

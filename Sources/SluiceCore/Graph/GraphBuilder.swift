/// Accumulates nodes while a pipeline body is turned into a ``LogicalGraph``.
///
/// Composite components (``Flow``, ``Merge``, ``FanOut``) call ``withGroup(_:_:)`` and their
/// parts' ``PipelineComponent/addNodes(to:after:)``; stages call ``addNode(stage:kind:isStateless:partitioner:inputs:implementation:)``.
public struct GraphBuilder: Sendable {
    /// The graph so far.
    public private(set) var graph = LogicalGraph(nodes: [], deadLetterSink: nil)
    private var groups: [String] = []
    private var defaultNameCounts: [String: Int] = [:]
    private var sharedExits: [ObjectIdentifier: [NodeID]] = [:]

    /// An empty builder.
    public init() {}

    /// Adds a stage's node and returns its identity.
    public mutating func addNode<S: Stage>(
        stage: S, kind: StageKind, isStateless: Bool, partitioner: Partitioner?,
        inputs: [NodeID], implementation: NodeImplementation, watermarks: WatermarkGenerator? = nil,
        needsProcessingTime: Bool = false, inputType: PortType? = nil, rightInputType: PortType? = nil,
        transactionCommitter: (@Sendable ([UInt8]) throws -> Void)? = nil
    ) -> NodeID {
        let id = NodeID(graph.nodes.count)
        let name: String
        if let explicit = stage.settings.name {
            name = explicit
        } else {
            let base = stage.defaultName
            let seen = defaultNameCounts[base, default: 0] + 1
            defaultNameCounts[base] = seen
            name = seen == 1 ? base : "\(base)#\(seen)"
        }
        graph.nodes.append(LogicalNode(
            id: id, name: name, hasExplicitName: stage.settings.name != nil, kind: kind,
            settings: stage.settings, isStateless: isStateless,
            maximumParallelism: stage.maximumParallelism, detail: stage.detail,
            inputs: inputs, flowPath: groups, partitioner: partitioner,
            implementation: implementation, inputType: inputType ?? PortType(S.Input.self), outputType: PortType(S.Output.self),
            watermarks: watermarks, needsProcessingTime: needsProcessingTime, rightInputType: rightInputType,
            transactionCommitter: transactionCommitter))
        return id
    }

    /// The exits of the shared part identified by `identity`: `add` runs the first time, and
    /// later calls return the nodes it made, so that every user of a ``DataStream`` reads
    /// the same stages.
    public mutating func shared(_ identity: ObjectIdentifier, _ add: (inout GraphBuilder) -> [NodeID]) -> [NodeID] {
        if let exits = sharedExits[identity] { return exits }
        // Its stages belong to no user's flow.
        let enclosing = groups
        groups = []
        let exits = add(&self)
        groups = enclosing
        sharedExits[identity] = exits
        return exits
    }

    /// Runs `body` with `name` pushed as the enclosing flow of every node it adds.
    public mutating func withGroup<R>(_ name: String, _ body: (inout GraphBuilder) -> R) -> R {
        groups.append(name)
        defer { groups.removeLast() }
        return body(&self)
    }

    /// Adds the nodes `body` creates after `producer` as readers of `producer`'s late-event
    /// side output, whose elements are of type `element`.
    public mutating func routeLateEvents<Element>(of producer: NodeID, as element: Element.Type,
                                                  _ body: (inout GraphBuilder) -> Void) {
        let first = graph.nodes.count
        body(&self)
        graph.nodes[producer.index].lateOutputType = PortType(element)
        for index in first..<graph.nodes.count where graph.nodes[index].inputs == [producer] {
            graph.nodes[index].readsLateOutput = true
        }
    }

    /// Makes `node` a repartitioning point when the pipeline runs divided into segments.
    public mutating func setExchange(_ endpoint: ExchangeEndpoint, of node: NodeID) {
        graph.nodes[node.index].exchange = endpoint
    }

    /// Gives `node` several outputs, divided by `router`.
    public mutating func setOutputRouter(_ router: OutputRouter, of node: NodeID) {
        graph.nodes[node.index].outputRouter = router
    }

    /// Adds a stage reading output `output` of `producer`, which has an ``OutputRouter``, and
    /// passing its elements on.
    public mutating func addOutputReader<Element: Sendable>(of producer: NodeID, output: Int, as type: Element.Type) -> NodeID {
        let name = graph.nodes[producer.index].outputRouter.map { $0.names[output] } ?? "\(output)"
        let reader = SplitOutput<Element>().named("\(graph.nodes[producer.index].name) → \(name)")
        let node = reader.addNodes(to: &self, after: [producer])[0]
        graph.nodes[node.index].readsOutput = output
        return node
    }

    mutating func setDeadLetterSink(_ id: NodeID) { graph.deadLetterSink = id }

    mutating func setPartitioner(_ partitioner: Partitioner?, of node: NodeID) {
        graph.nodes[node.index].partitioner = partitioner
    }

    mutating func adopt(_ node: LogicalNode) {
        graph.nodes.append(node)
        if !node.hasExplicitName {
            let base = node.name.split(separator: "#").first.map(String.init) ?? node.name
            defaultNameCounts[base, default: 0] += 1
        }
    }
}

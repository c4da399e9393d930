/// A complete dataflow: a value that can be described, exported and run.
///
/// Build it with ``FlowBuilder``: the body must start with sources and end with sinks.
///
/// ```swift
/// let pipeline = Pipeline("orders") {
///     Source.jsonLines("orders.jsonl", as: Order.self).onError(.deadLetter)
///     Filter { (order: Order) in order.amount > 0 }
///     Sink.jsonLines("out/orders.jsonl", of: Order.self)
/// }
/// print(pipeline)        // a text description
/// print(pipeline.dot())  // Graphviz
/// let report = try await pipeline.run()
/// ```
public struct Pipeline: Sendable {
    /// The pipeline's name, used in reports.
    public let name: String
    /// The declared graph.
    public private(set) var graph: LogicalGraph

    /// Builds a pipeline from `body`.
    @inlinable public init<C: PipelineComponent>(_ name: String, @FlowBuilder _ body: () -> C)
    where C.Input == Never, C.Output == Never {
        var builder = GraphBuilder()
        _ = body().addNodes(to: &builder, after: [])
        self.init(name: name, graph: builder.graph)
    }

    @usableFromInline init(name: String, graph: LogicalGraph) {
        self.name = name
        self.graph = graph
    }

    /// Sends the dead letters of every stage whose policy is `.deadLetter` to `sink`.
    ///
    /// Without a dead-letter sink they are kept in the run report.
    public func deadLetters<S: SinkStage>(to sink: S) -> Pipeline where S.Input == DeadLetter {
        var builder = GraphBuilder(graph)
        _ = sink.addNodes(to: &builder, after: [])
        var graph = builder.graph
        graph.deadLetterSink = NodeID(graph.nodes.count - 1)
        return Pipeline(name: name, graph: graph)
    }

    /// Problems that prevent the pipeline from running, all at once; empty when it can run.
    public func validate() -> [String] {
        GraphValidator.problems(in: graph)
    }
}

extension GraphBuilder {
    init(_ graph: LogicalGraph) {
        self.init()
        for node in graph.nodes { adopt(node) }
        if let sink = graph.deadLetterSink { setDeadLetterSink(sink) }
    }
}

/// A named part of a pipeline, usable as a value and as one component.
///
/// Names group stages in descriptions and Graphviz exports.
///
/// ```swift
/// let clean = Flow("clean") {
///     Filter { (order: Order) in order.amount > 0 }
///     Map { (order: Order) in order.normalised() }
/// }
/// let pipeline = Pipeline("orders") {
///     Source.jsonLines("orders.jsonl", as: Order.self)
///     clean
///     Sink.jsonLines("clean.jsonl", of: Order.self)
/// }
/// ```
public struct Flow<Input: Sendable, Output: Sendable>: PipelineComponent {
    /// The flow's name.
    public let name: String
    @usableFromInline let add: @Sendable (inout GraphBuilder, [NodeID]) -> [NodeID]

    /// A flow named `name` made of the components in `body`.
    @inlinable public init<C: PipelineComponent>(_ name: String, @FlowBuilder _ body: () -> C)
    where C.Input == Input, C.Output == Output {
        let component = body()
        self.name = name
        self.add = { graph, upstream in
            graph.withGroup(name) { component.addNodes(to: &$0, after: upstream) }
        }
    }

    /// A flow without a name of its own, made of the components in `body`; for instance the
    /// right side of a join.
    @inlinable public init<C: PipelineComponent>(@FlowBuilder _ body: () -> C) where C.Input == Input, C.Output == Output {
        self.init(erasing: body())
    }

    /// Wraps `component` without a name of its own.
    @inlinable public init<C: PipelineComponent>(erasing component: C) where C.Input == Input, C.Output == Output {
        self.name = ""
        self.add = { graph, upstream in component.addNodes(to: &graph, after: upstream) }
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        add(&graph, upstream)
    }
}

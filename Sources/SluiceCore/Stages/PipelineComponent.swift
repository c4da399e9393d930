/// Anything that can appear in a pipeline body: a stage, or a composition of stages such as
/// ``Flow``, ``Merge`` and ``FanOut``.
///
/// `Input` is what the component consumes (`Never` for sources) and `Output` what it produces
/// (`Never` for sinks). ``FlowBuilder`` only places a component after another whose `Output`
/// equals its `Input`, so a mismatched pipeline does not compile.
public protocol PipelineComponent<Input, Output>: Sendable {
    /// The element type consumed; `Never` for sources.
    associatedtype Input: Sendable
    /// The element type produced; `Never` for sinks.
    associatedtype Output: Sendable

    /// Adds this component's nodes to `graph`, fed by the nodes in `upstream`, and returns the
    /// nodes whose output leaves the component (empty for sinks).
    func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID]
}

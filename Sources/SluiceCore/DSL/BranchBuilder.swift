/// Collects the branches of a ``Merge`` or ``FanOut``: components with the same input and
/// output types.
@resultBuilder
public enum BranchBuilder<Input: Sendable, Output: Sendable> {
    /// One branch.
    @inlinable public static func buildExpression<C: PipelineComponent>(_ component: C) -> [Flow<Input, Output>]
    where C.Input == Input, C.Output == Output {
        [Flow(erasing: component)]
    }

    /// All branches in order.
    @inlinable public static func buildBlock(_ branches: [Flow<Input, Output>]...) -> [Flow<Input, Output>] {
        branches.flatMap { $0 }
    }
}

/// Combines two or more flows of the same type into one.
///
/// Branches whose input is `Never` are sources; otherwise every branch receives all of the
/// upstream elements and their outputs are merged. The merged order between branches is
/// unspecified; each branch's own order is kept.
///
/// ```swift
/// Merge {
///     Flow("shop-a") { Source.csv("a.csv", as: RowA.self); Map(Order.init) }
///     Flow("shop-b") { Source.jsonLines("b.jsonl", as: RowB.self); Map(Order.init) }
/// }
/// ```
public struct Merge<Input: Sendable, Output: Sendable>: PipelineComponent {
    @usableFromInline let branches: [Flow<Input, Output>]

    /// Merges the branches in `body`.
    @inlinable public init(@BranchBuilder<Input, Output> _ body: () -> [Flow<Input, Output>]) {
        self.branches = body()
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        branches.flatMap { $0.addNodes(to: &graph, after: upstream) }
    }
}

/// Sends every element of a flow to each of several branches that end in sinks.
///
/// ```swift
/// FanOut {
///     Sink.jsonLines("all.jsonl", of: Order.self)
///     Flow("big") { Filter { (o: Order) in o.amount > 100 }; Sink.standardOutput() }
/// }
/// ```
public struct FanOut<Input: Sendable>: PipelineComponent {
    /// Fan-out ends the flow.
    public typealias Output = Never
    @usableFromInline let branches: [Flow<Input, Never>]

    /// Sends the upstream to every branch in `body`.
    @inlinable public init(@BranchBuilder<Input, Never> _ body: () -> [Flow<Input, Never>]) {
        self.branches = body()
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        for branch in branches { _ = branch.addNodes(to: &graph, after: upstream) }
        return []
    }
}

/// Builds a linear flow from a list of components, each feeding the next.
///
/// A component may follow another only when its `Input` is the other's `Output`; anything
/// else is a compile-time error.
@resultBuilder
public enum FlowBuilder {
    /// The first component stands alone.
    @inlinable public static func buildPartialBlock<C: PipelineComponent>(first: C) -> C { first }

    /// Appends `next` after `accumulated`.
    @inlinable public static func buildPartialBlock<A: PipelineComponent, B: PipelineComponent>(
        accumulated: A, next: B
    ) -> Flows.Sequence<A, B> where A.Output == B.Input {
        Flows.Sequence(accumulated, next)
    }
}

/// Types that the DSL's builders produce.
public enum Flows {
    /// `First` followed by `Second`.
    public struct Sequence<First: PipelineComponent, Second: PipelineComponent>: PipelineComponent
    where First.Output == Second.Input {
        /// What `first` consumes.
        public typealias Input = First.Input
        /// What `second` produces.
        public typealias Output = Second.Output
        /// The upstream part.
        public let first: First
        /// The downstream part.
        public let second: Second

        /// Connects `first` to `second`.
        @inlinable public init(_ first: First, _ second: Second) {
            self.first = first
            self.second = second
        }

        @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
            second.addNodes(to: &graph, after: first.addNodes(to: &graph, after: upstream))
        }
    }
}

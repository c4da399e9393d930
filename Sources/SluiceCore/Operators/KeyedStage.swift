/// A ``KeyBy`` followed by the stage it keys the stream for — a window, a keyed function, a
/// join. The modifiers apply to that stage; with `.parallelism(n)` every key stays on one
/// instance.
public struct KeyedStage<Key: Hashable & Sendable, Value: Sendable, Next: Stage>: PipelineComponent
where Next.Input == Keyed<Key, Value> {
    /// Elements in, before keying.
    public typealias Input = Value
    /// The stage's output.
    public typealias Output = Next.Output
    /// The keying stage.
    public var keyBy: KeyBy<Key, Value>
    /// The stage that consumes the keyed stream.
    public var stage: Next

    /// Pairs the stages.
    @inlinable public init(keyBy: KeyBy<Key, Value>, stage: Next) {
        self.keyBy = keyBy
        self.stage = stage
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        stage.addNodes(to: &graph, after: keyBy.addNodes(to: &graph, after: upstream))
    }

    /// Says the key is the input's partitioning: a cluster run does not repartition
    /// (``KeyBy/sameAsInputPartitioning()``).
    @inlinable public func sameAsInputPartitioning() -> Self {
        var copy = self
        copy.keyBy = keyBy.sameAsInputPartitioning()
        return copy
    }

    /// Runs `count` instances of the stage; every key stays on one.
    @inlinable public func parallelism(_ count: Int) -> Self {
        var copy = self
        copy.stage = stage.parallelism(count)
        return copy
    }

    /// Names the stage.
    @inlinable public func named(_ name: String) -> Self {
        var copy = self
        copy.stage = stage.named(name)
        return copy
    }

    /// Chooses what happens to an element the stage cannot process.
    @inlinable public func onError(_ policy: ErrorPolicy) -> Self {
        var copy = self
        copy.stage = stage.onError(policy)
        return copy
    }
}

/// Pairs every element with a key and partitions the stream by it: every element with the
/// same key reaches the same instance of the next stage, in the order it was produced.
///
/// ```swift
/// KeyBy(\Order.customer)                     // Order → Keyed<String, Order>
/// Map { (o: Keyed<String, Order>) in ... }.parallelism(4)
/// ```
public struct KeyBy<Key: Hashable & Sendable, Element: Sendable>: TransformStage {
    /// Elements in.
    public typealias Input = Element
    /// Keyed elements out.
    public typealias Output = Keyed<Key, Element>
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let key: @Sendable (Element) -> Key

    /// Keys elements by `key`.
    @inlinable public init(_ key: @escaping @Sendable (Element) -> Key) { self.key = key }

    /// Keys elements by the value at `keyPath`.
    @inlinable public init(_ keyPath: KeyPath<Element, Key> & Sendable) {
        self.key = { $0[keyPath: keyPath] }
    }

    /// Whether a cluster run repartitions by this key through the broker (the default), or
    /// keys within each input partition (``sameAsInputPartitioning()``).
    @usableFromInline var repartitionsAcrossProcesses = true

    /// Says that the key is the one the input is partitioned by — every element of a key is
    /// already in the same input partition — so that a cluster run keys within each partition
    /// rather than repartitioning through the broker. Outside a cluster it changes nothing.
    @inlinable public func sameAsInputPartitioning() -> Self {
        var copy = self
        copy.repartitionsAcrossProcesses = false
        return copy
    }

    /// Adds the node; in a cluster run it is where the pipeline is divided, unless the key is
    /// the input's partitioning.
    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let stage = self
        let node = graph.addNode(
            stage: self, kind: .transform, isStateless: true,
            partitioner: outputPartitioning.partitioner, inputs: upstream,
            implementation: .transform { context in try stage.makeErasedTransform(context) })
        if repartitionsAcrossProcesses { graph.setExchange(.keyed(Key.self, Element.self), of: node) }
        return [node]
    }

    /// `keyBy`.
    public var defaultName: String { "keyBy" }
    /// Stateless.
    public var isStateless: Bool { true }
    /// By the key.
    public var outputPartitioning: OutputPartitioning<Keyed<Key, Element>> { .byKey { $0.key } }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(key: key) }

    /// The running form of ``KeyBy``.
    public struct Operator: TransformOperator {
        @usableFromInline let key: @Sendable (Element) -> Key
        @inlinable init(key: @escaping @Sendable (Element) -> Key) { self.key = key }

        /// Emits the element with its key.
        @inlinable public mutating func process(_ element: Element, into output: inout Emitter<Output>) {
            output.emit(Keyed(key: key(element), value: element))
        }

        /// Keys the whole chunk in one pass.
        @inlinable public mutating func process(chunk: [Element], into output: inout Emitter<Output>) throws {
            let key = key
            try ChunkKernels.process(chunk, into: &output) { Keyed(key: key($0), value: $0) }
        }
    }
}

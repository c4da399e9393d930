/// Identifies a node of a pipeline's logical graph.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Position of the node in ``LogicalGraph/nodes``.
    public let index: Int
    /// Wraps an index.
    public init(_ index: Int) { self.index = index }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.index < rhs.index }
    public var description: String { "n\(index)" }
}

/// The element type on one side of a stage, compared when the graph is validated so that a
/// hand-wired graph can never pass elements of one type to a stage expecting another.
public struct PortType: Hashable, Sendable, CustomStringConvertible {
    private let identifier: ObjectIdentifier
    /// The type's name.
    public let description: String

    /// The port type of `type`.
    public init<T>(_ type: T.Type) {
        identifier = ObjectIdentifier(type)
        description = String(describing: type)
    }
}

/// How to create a node's running instance, by role.
public enum NodeImplementation: Sendable {
    /// Creates a source instance.
    case source(@Sendable (StageContext) async throws -> ErasedSource)
    /// Creates a transform instance.
    case transform(@Sendable (StageContext) throws -> ErasedTransform)
    /// Creates a sink instance.
    case sink(@Sendable (StageContext) async throws -> ErasedSink)
    /// Creates a two-input instance; the node's first `leftInputs` inputs are the left side.
    case binary(leftInputs: Int, @Sendable (StageContext) throws -> ErasedBinary)
}

/// One stage in a pipeline's logical graph, as the DSL declared it.
public struct LogicalNode: Sendable {
    /// The node's identity.
    public internal(set) var id: NodeID
    /// Unique name: the user's, or the stage's default name made unique.
    public var name: String
    /// Whether the user chose the name.
    public let hasExplicitName: Bool
    /// Source, transform or sink.
    public let kind: StageKind
    /// Settings from the modifiers.
    public let settings: StageSettings
    /// Whether the stage keeps no state (fusable and freely parallel).
    public let isStateless: Bool
    /// The most instances the stage supports.
    public let maximumParallelism: Int?
    /// Short detail for descriptions (paths, options).
    public let detail: String
    /// The nodes feeding this one.
    public var inputs: [NodeID]
    /// Names of the enclosing ``Flow``s, outermost first.
    public let flowPath: [String]
    /// Splits output by key for the next stage, when set.
    public internal(set) var partitioner: Partitioner?
    /// Creates running instances.
    public let implementation: NodeImplementation
    /// The element type the stage consumes (`Never` for sources).
    public let inputType: PortType
    /// The element type the stage produces (`Never` for sinks).
    public let outputType: PortType
    /// For sources with event time: how their watermarks follow it.
    public let watermarks: WatermarkGenerator?
    /// Whether the stage's operator wants processing-time calls.
    public let needsProcessingTime: Bool
    /// For two-input stages: the right input's element type (``inputType`` is the left's).
    public let rightInputType: PortType?
    /// For sinks whose writer is a ``TransactionalSinkWriter``: publishes an encoded
    /// transaction, as recovery does for the checkpoint it restores.
    public let transactionCommitter: (@Sendable ([UInt8]) throws -> Void)?
    /// The element type of the stage's late-event side output, when a route reads it.
    public internal(set) var lateOutputType: PortType? = nil
    /// Whether this stage reads its only input's late-event side output rather than its main
    /// output.
    public internal(set) var readsLateOutput = false
    /// For a stage with several outputs: how its elements are divided among them.
    public internal(set) var outputRouter: OutputRouter? = nil
    /// The output of its only input that this stage reads, when that input has several.
    public internal(set) var readsOutput: Int? = nil
    /// For a ``KeyBy`` that repartitions in a cluster: how its output crosses processes.
    public internal(set) var exchange: ExchangeEndpoint? = nil

    /// The number of inputs on the left side: all of them, except for two-input stages.
    public var leftInputCount: Int {
        if case .binary(let count, _) = implementation { return count }
        return inputs.count
    }

    /// The element type expected from input number `index`.
    public func expectedType(ofInput index: Int) -> PortType {
        index < leftInputCount ? inputType : (rightInputType ?? inputType)
    }

    /// How many instances run.
    public var parallelism: Int { settings.parallelism }
}

/// The declared graph of a pipeline: nodes in declaration order, each listing its inputs.
public struct LogicalGraph: Sendable {
    /// All nodes; a node's ``NodeID/index`` is its position.
    public internal(set) var nodes: [LogicalNode]
    /// The sink that receives dead letters, if the pipeline has one.
    public internal(set) var deadLetterSink: NodeID?

    /// The nodes that read `node`'s main output.
    public func consumers(of node: NodeID) -> [NodeID] {
        nodes.filter { !$0.readsLateOutput && $0.inputs.contains(node) }.map(\.id)
    }

    /// The nodes that read `node`'s late-event side output.
    public func lateConsumers(of node: NodeID) -> [NodeID] {
        nodes.filter { $0.readsLateOutput && $0.inputs.contains(node) }.map(\.id)
    }

    /// The node with `id`.
    public subscript(id: NodeID) -> LogicalNode { nodes[id.index] }
}

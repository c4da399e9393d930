/// How a stage with several outputs divides what it produces among them: the outputs' names
/// and element types, and a function that splits one chunk of the stage's output into one
/// chunk per output. The runtime sends each part only to the stages reading that output, so
/// no branch sees, or filters, the elements of another.
public struct OutputRouter: Sendable {
    /// The outputs' names, in order.
    public let names: [String]
    /// The outputs' element types, in order.
    public let types: [PortType]
    /// One chunk per output, from a chunk of the stage's output.
    public let split: @Sendable (ErasedChunk) -> [ErasedChunk]

    /// A router with outputs `names` of `types`.
    public init(names: [String], types: [PortType], split: @escaping @Sendable (ErasedChunk) -> [ErasedChunk]) {
        self.names = names
        self.types = types
        self.split = split
    }
}

/// Where an element of a two-way ``DataStream`` split goes: to the first or the second output.
public enum Route2<First: Sendable, Second: Sendable>: Sendable {
    /// To the first output.
    case first(First)
    /// To the second output.
    case second(Second)
}

/// Where an element of a three-way ``DataStream`` split goes.
public enum Route3<First: Sendable, Second: Sendable, Third: Sendable>: Sendable {
    /// To the first output.
    case first(First)
    /// To the second output.
    case second(Second)
    /// To the third output.
    case third(Third)
}

/// Decides, for each element, which output of a split it goes to, and hands each output its
/// part of the stream. Stateless: fused with the stages before it.
public struct Split<Input: Sendable, Routed: Sendable>: TransformStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let route: @Sendable (Input) throws -> Routed
    /// The name the stage gets when none is given ("split" by default), made unique.
    public let defaultName: String

    /// Routes each element with `route`.
    @inlinable public init(defaultName: String = "split", _ route: @escaping @Sendable (Input) throws -> Routed) {
        self.route = route
        self.defaultName = defaultName
    }
    /// Stateless.
    public var isStateless: Bool { true }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Map<Input, Routed>.Operator {
        Map(route).makeOperator(context)
    }
}

/// Reads one output of a split: passes on the elements the runtime routed to it.
public struct SplitOutput<Element: Sendable>: TransformStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()

    /// A reader of one output.
    @inlinable public init() {}

    /// `output`.
    public var defaultName: String { "output" }
    /// Stateless.
    public var isStateless: Bool { true }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Map<Element, Element>.Operator {
        Map { $0 }.makeOperator(context)
    }
}

/// A stream that one pipeline may use in any number of places: each use reads the same
/// elements, and its stages run once.
///
/// A `DataStream` starts at sources. Place it where a flow would start — at the top of a
/// `Pipeline`, in a ``Flow``, on either side of a join — as often as needed; every place
/// receives all of its elements. Diamonds and multi-consumer graphs are written directly:
///
/// ```swift
/// let orders = DataStream("orders") { Source.csv("orders.csv", as: Order.self) }
/// let clicks = DataStream("clicks") { Source.jsonLines("clicks.jsonl", as: Click.self) }
///
/// let pipeline = Pipeline("retail") {
///     orders.filter { $0.amount > 0 }.write(to: Sink.jsonLines("orders.jsonl"))
///     clicks.map { $0.page }.write(to: Sink.jsonLines("pages.jsonl"))
///     Flow("orders with clicks") {
///         orders
///         KeyBy(\Order.user).join(Flow { clicks; KeyBy(\Click.user) })
///         Sink.jsonLines("joined.jsonl", of: Joined<String, Order, Click>.self)
///     }
/// }
/// ```
///
/// Its element type is known, so operators chained on it (``filter(_:)``, ``map(_:)``,
/// ``compactMap(_:)``, ``flatMap(_:)``, ``through(_:_:)``, ``write(to:)``) need no type
/// annotations. A slow consumer slows the shared stages (each consumer has its own bounded
/// channel), and checkpoints align across every path.
public struct DataStream<Element: Sendable>: PipelineComponent {
    /// A stream starts at sources.
    public typealias Input = Never
    /// The stream's elements.
    public typealias Output = Element

    /// The stream's name: its stages are grouped under it in descriptions; empty for a
    /// stream derived from another.
    public let name: String
    @usableFromInline let identity: Identity
    @usableFromInline let add: @Sendable (inout GraphBuilder) -> [NodeID]

    /// What makes two uses the same stream: the value they were copied from.
    @usableFromInline final class Identity: Sendable {
        @usableFromInline init() {}
    }

    /// The stream made by the components in `body`, which start at sources.
    @inlinable public init<C: PipelineComponent>(_ name: String, @FlowBuilder _ body: () -> C)
    where C.Input == Never, C.Output == Element {
        let component = body()
        self.init(name: name) { graph in
            graph.withGroup(name) { component.addNodes(to: &$0, after: []) }
        }
    }

    @usableFromInline init(name: String, add: @escaping @Sendable (inout GraphBuilder) -> [NodeID]) {
        self.name = name
        self.identity = Identity()
        self.add = add
    }

    /// Adds the stream's stages the first time it is used in a graph; later uses read them.
    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        graph.shared(ObjectIdentifier(identity)) { add(&$0) }
    }

    /// This stream followed by the components in `body`, as a new stream that can itself be
    /// used in several places. `name` groups the new stages in descriptions.
    @inlinable public func through<C: PipelineComponent>(_ name: String = "", @FlowBuilder _ body: () -> C) -> DataStream<C.Output>
    where C.Input == Element {
        let upstream = self, component = body()
        return DataStream<C.Output>(name: name) { graph in
            let exits = upstream.addNodes(to: &graph, after: [])
            return name.isEmpty ? component.addNodes(to: &graph, after: exits)
                : graph.withGroup(name) { component.addNodes(to: &$0, after: exits) }
        }
    }

    /// The elements for which `isIncluded` is true.
    @inlinable public func filter(_ isIncluded: @escaping @Sendable (Element) throws -> Bool) -> DataStream<Element> {
        through { Filter(isIncluded) }
    }

    /// Each element transformed.
    @inlinable public func map<T: Sendable>(_ transform: @escaping @Sendable (Element) throws -> T) -> DataStream<T> {
        through { Map(transform) }
    }

    /// Each element transformed, without the `nil` results.
    @inlinable public func compactMap<T: Sendable>(_ transform: @escaping @Sendable (Element) throws -> T?) -> DataStream<T> {
        through { CompactMap(transform) }
    }

    /// The elements of the sequence made from each element, in order.
    @inlinable public func flatMap<S: Sequence & Sendable>(_ transform: @escaping @Sendable (Element) throws -> S) -> DataStream<S.Element>
    where S.Element: Sendable {
        through { FlatMap(transform) }
    }

    /// Splits the stream in two: `route` sends each element to the first or the second
    /// output, as a value of that output's type, and it reaches only the stages reading that
    /// output. Both outputs must be used (validation says so otherwise): nothing routed is
    /// dropped unseen. `names` name the outputs and `stageName` the deciding stage (by default
    /// "split", made unique) in descriptions and reports.
    ///
    /// ```swift
    /// let (valid, invalid) = orders.split { order in
    ///     order.amount > 0 ? .first(order) : .second(Problem(id: order.id, reason: "no amount"))
    /// }
    /// ```
    public func split<First: Sendable, Second: Sendable>(
        _ names: (String, String) = ("first", "second"), named stageName: String? = nil,
        _ route: @escaping @Sendable (Element) throws -> Route2<First, Second>
    ) -> (DataStream<First>, DataStream<Second>) {
        let router = OutputRouter(names: [names.0, names.1], types: [PortType(First.self), PortType(Second.self)]) { chunk in
            var first: [First] = [], second: [Second] = []
            var positions = OutputPositions(outputs: 2, traced: chunk.lineage != nil)
            for (index, element) in chunk.elements(as: Route2<First, Second>.self).enumerated() {
                switch element {
                case .first(let value): first.append(value); positions.add(index, to: 0)
                case .second(let value): second.append(value); positions.add(index, to: 1)
                }
            }
            return [ErasedChunk(first, lineage: positions.lineage(0, of: chunk)),
                    ErasedChunk(second, lineage: positions.lineage(1, of: chunk))]
        }
        let routed = routedStream(router) { Split(defaultName: stageName ?? "split", route) }
        return (routed.output(0, as: First.self), routed.output(1, as: Second.self))
    }

    /// Splits the stream in three, as the two-way split does in two:
    /// "valid → A, VIP → B, invalid → C" with one decision per element.
    public func split<First: Sendable, Second: Sendable, Third: Sendable>(
        _ names: (String, String, String) = ("first", "second", "third"), named stageName: String? = nil,
        _ route: @escaping @Sendable (Element) throws -> Route3<First, Second, Third>
    ) -> (DataStream<First>, DataStream<Second>, DataStream<Third>) {
        let router = OutputRouter(names: [names.0, names.1, names.2],
                                  types: [PortType(First.self), PortType(Second.self), PortType(Third.self)]) { chunk in
            var first: [First] = [], second: [Second] = [], third: [Third] = []
            var positions = OutputPositions(outputs: 3, traced: chunk.lineage != nil)
            for (index, element) in chunk.elements(as: Route3<First, Second, Third>.self).enumerated() {
                switch element {
                case .first(let value): first.append(value); positions.add(index, to: 0)
                case .second(let value): second.append(value); positions.add(index, to: 1)
                case .third(let value): third.append(value); positions.add(index, to: 2)
                }
            }
            return [ErasedChunk(first, lineage: positions.lineage(0, of: chunk)),
                    ErasedChunk(second, lineage: positions.lineage(1, of: chunk)),
                    ErasedChunk(third, lineage: positions.lineage(2, of: chunk))]
        }
        let routed = routedStream(router) { Split(defaultName: stageName ?? "split", route) }
        return (routed.output(0, as: First.self), routed.output(1, as: Second.self), routed.output(2, as: Third.self))
    }

    /// The elements for which `isIncluded` is true, and the others, as two streams.
    public func partition(named stageName: String? = nil, _ isIncluded: @escaping @Sendable (Element) throws -> Bool)
        -> (matching: DataStream<Element>, rest: DataStream<Element>) {
        let (matching, rest) = split(("matching", "rest"), named: stageName) { element -> Route2<Element, Element> in
            try isIncluded(element) ? .first(element) : .second(element)
        }
        return (matching, rest)
    }

    /// The stream through `stage`, whose node divides its output with `router`.
    func routedStream<S: TransformStage>(_ router: OutputRouter, _ stage: () -> S) -> DataStream<S.Output> where S.Input == Element {
        let upstream = self, split = stage()
        return DataStream<S.Output>(name: "") { graph in
            let exits = split.addNodes(to: &graph, after: upstream.addNodes(to: &graph, after: []))
            for exit in exits { graph.setOutputRouter(router, of: exit) }
            return exits
        }
    }

    /// Output `index` of this stream's stage, which has an ``OutputRouter``.
    func output<T: Sendable>(_ index: Int, as type: T.Type) -> DataStream<T> {
        let routed = self
        return DataStream<T>(name: "") { graph in
            routed.addNodes(to: &graph, after: []).map { graph.addOutputReader(of: $0, output: index, as: T.self) }
        }
    }

    /// The stream written to `sink`: a complete flow, to place in a pipeline. The sink's
    /// element type comes from the stream (`Sink.jsonLines("out.jsonl")` needs no `of:`).
    @inlinable public func write<S: SinkStage>(to sink: S) -> Flows.Sequence<DataStream<Element>, S> where S.Input == Element {
        Flows.Sequence(self, sink)
    }
}

/// Which elements of a chunk went to each output of a split, so that every output chunk
/// keeps the lineage of its elements.
struct OutputPositions {
    private var positions: [[Int32]]

    init(outputs: Int, traced: Bool) { positions = traced ? Array(repeating: [], count: outputs) : [] }

    mutating func add(_ index: Int, to output: Int) {
        if !positions.isEmpty { positions[output].append(Int32(index)) }
    }

    func lineage(_ output: Int, of chunk: ErasedChunk) -> Lineage? {
        positions.isEmpty ? nil : chunk.lineage?.selecting(positions[output])
    }
}

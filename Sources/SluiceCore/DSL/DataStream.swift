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

    /// The stream written to `sink`: a complete flow, to place in a pipeline. The sink's
    /// element type comes from the stream (`Sink.jsonLines("out.jsonl")` needs no `of:`).
    @inlinable public func write<S: SinkStage>(to sink: S) -> Flows.Sequence<DataStream<Element>, S> where S.Input == Element {
        Flows.Sequence(self, sink)
    }
}

/// A keyed window together with where its late events go: the side output that receives
/// every element later than its window's end plus the allowed lateness.
///
/// ```swift
/// KeyBy(\Event.user)
///     .window(.tumbling(.seconds(60)), allowedLateness: .seconds(5), eventTime: { $0.time }) {
///         Count()
///     }
///     .lateEvents {
///         Sink.jsonLines("late.jsonl", of: Event.self)
///     }
/// ```
///
/// The window's results flow on to the next component as usual; the late events flow through
/// the route, which must end in a sink.
public struct LateEventsRoute<Key: Hashable & Sendable, Element: Sendable, A: Aggregation, Route: PipelineComponent>: PipelineComponent
where A.Input == Element, Route.Input == Element, Route.Output == Never {
    /// Elements in, before keying.
    public typealias Input = Element
    /// The window's results.
    public typealias Output = WindowResult<Key, A.Output>

    /// The keyed window.
    public var window: KeyedStage<Key, Element, WindowStage<Key, Element, A>>
    /// Where late events go.
    public let route: Route

    /// Pairs a keyed window with a route for its late events.
    @inlinable public init(window: KeyedStage<Key, Element, WindowStage<Key, Element, A>>, route: Route) {
        self.window = window
        self.route = route
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let outputs = window.addNodes(to: &graph, after: upstream)
        graph.routeLateEvents(of: outputs[0], as: Element.self) { graph in
            _ = route.addNodes(to: &graph, after: outputs)
        }
        return outputs
    }

    /// Runs `count` instances of the window; every key stays on one.
    @inlinable public func parallelism(_ count: Int) -> Self {
        var copy = self
        copy.window = window.parallelism(count)
        return copy
    }

    /// Names the window stage.
    @inlinable public func named(_ name: String) -> Self {
        var copy = self
        copy.window = window.named(name)
        return copy
    }
}

extension KeyedStage {
    /// Sends the window's late events — elements later than their window's end plus the
    /// allowed lateness — through `route`, which ends in a sink, instead of dead-lettering them.
    @inlinable public func lateEvents<A, Route: PipelineComponent>(
        @FlowBuilder _ route: () -> Route
    ) -> LateEventsRoute<Key, Value, A, Route>
    where Next == WindowStage<Key, Value, A>, Route.Input == Value, Route.Output == Never {
        LateEventsRoute(window: self, route: route())
    }
}

import Synchronization

/// Holds what a ``CollectSink`` received, readable after (or during) the run.
///
/// ```swift
/// let results = Collector<Order>()
/// try await Pipeline("p") { Source.collection(orders); Sink.collect(into: results) }.run()
/// print(results.elements)
/// ```
public final class Collector<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    /// An empty collector.
    public init() {}

    /// Everything received so far, in arrival order.
    public var elements: [Element] { storage.withLock { $0 } }

    /// Appends elements; called by the sink.
    public func append(contentsOf elements: [Element]) {
        storage.withLock { $0.append(contentsOf: elements) }
    }

    /// Empties the collector.
    public func removeAll() { storage.withLock { $0.removeAll() } }
}

/// Holds the running result of a ``ReduceSink``.
public final class Accumulator<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    /// Starts from `initial`.
    public init(_ initial: Value) { storage = Mutex(initial) }

    /// The current value.
    public var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

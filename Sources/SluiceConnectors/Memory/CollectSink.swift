import SluiceCore

/// Appends every element to a ``Collector``. Create it with ``Sink/collect(into:)``.
public struct CollectSink<Input: Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let collector: Collector<Input>

    init(collector: Collector<Input>) { self.collector = collector }

    /// `collect`.
    public var defaultName: String { "collect" }

    /// Starts collecting.
    public func makeWriter(_ context: StageContext) -> Writer { Writer(collector: collector) }

    /// The running form of ``CollectSink``.
    public struct Writer: SinkWriter {
        let collector: Collector<Input>
        /// Appends the chunk.
        public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            collector.append(contentsOf: elements)
        }
    }
}

/// Folds every element into a running value stored in an ``Accumulator`` at the end of the
/// run. Create it with ``Sink/reduce(into:_:)``.
public struct ReduceSink<Input: Sendable, Value: Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let accumulator: Accumulator<Value>
    @usableFromInline let update: @Sendable (inout Value, Input) -> Void

    @usableFromInline init(accumulator: Accumulator<Value>, update: @escaping @Sendable (inout Value, Input) -> Void) {
        self.accumulator = accumulator
        self.update = update
    }

    /// `reduce`.
    public var defaultName: String { "reduce" }
    /// One running value.
    public var maximumParallelism: Int? { 1 }

    /// Starts from the accumulator's current value.
    @inlinable public func makeWriter(_ context: StageContext) -> Writer {
        Writer(accumulator: accumulator, value: accumulator.value, update: update)
    }

    /// The running form of ``ReduceSink``.
    public struct Writer: SinkWriter {
        @usableFromInline let accumulator: Accumulator<Value>
        @usableFromInline var value: Value
        @usableFromInline let update: @Sendable (inout Value, Input) -> Void

        @usableFromInline init(accumulator: Accumulator<Value>, value: Value, update: @escaping @Sendable (inout Value, Input) -> Void) {
            self.accumulator = accumulator
            self.value = value
            self.update = update
        }

        /// Folds the chunk in.
        @inlinable public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            for element in elements { update(&value, element) }
        }

        /// Publishes the result.
        @inlinable public mutating func finish() async throws { accumulator.value = value }
    }
}

/// Calls a function for every element. Create it with ``Sink/forEach(_:)``.
public struct ForEachSink<Input: Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let body: @Sendable (Input) async throws -> Void

    init(body: @escaping @Sendable (Input) async throws -> Void) { self.body = body }

    /// `forEach`.
    public var defaultName: String { "forEach" }

    /// Starts.
    public func makeWriter(_ context: StageContext) -> Writer { Writer(body: body) }

    /// The running form of ``ForEachSink``.
    public struct Writer: SinkWriter {
        let body: @Sendable (Input) async throws -> Void
        /// Calls the function per element; a throw rejects that element.
        public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            for element in elements {
                do { try await body(element) } catch { try failures.reject(error, rawInput: String(describing: element)) }
            }
        }
    }
}

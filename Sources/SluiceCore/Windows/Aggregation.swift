/// An incremental aggregation over the elements of a window: start empty, add elements one
/// at a time, merge partial states (session windows merge when they touch), read the result.
///
/// ```swift
/// struct Spread: Aggregation {
///     func makeState() -> (Double, Double) { (.infinity, -.infinity) }
///     func add(_ reading: Reading, at time: Timestamp, to state: inout (Double, Double)) {
///         state = (min(state.0, reading.value), max(state.1, reading.value))
///     }
///     func merge(_ other: (Double, Double), into state: inout (Double, Double)) {
///         state = (min(state.0, other.0), max(state.1, other.1))
///     }
///     func result(of state: (Double, Double)) -> Double { state.1 - state.0 }
/// }
/// ```
public protocol Aggregation<Input, Output>: Sendable {
    /// The elements aggregated.
    associatedtype Input: Sendable
    /// The running state.
    associatedtype State
    /// The result.
    associatedtype Output: Sendable

    /// The state of an empty window.
    func makeState() -> State
    /// Adds one element, with its event time.
    func add(_ input: Input, at time: Timestamp, to state: inout State)
    /// Folds `other` into `state`.
    func merge(_ other: State, into state: inout State)
    /// The result for `state`.
    func result(of state: State) -> Output
}

/// Combines the aggregations of a window: one gives its own result, two or more give a tuple.
@resultBuilder
public enum AggregationBuilder<Input: Sendable> {
    /// One aggregation over the window's elements.
    @inlinable public static func buildExpression<A: Aggregation>(_ aggregation: A) -> A where A.Input == Input {
        aggregation
    }

    /// The first aggregation.
    @inlinable public static func buildPartialBlock<A: Aggregation>(first: A) -> A { first }

    /// Adds an aggregation: results pair up as `(earlier, next)`.
    @inlinable public static func buildPartialBlock<A: Aggregation, B: Aggregation>(accumulated: A, next: B)
        -> Aggregations.Pair<A, B> where A.Input == B.Input {
        Aggregations.Pair(accumulated, next)
    }
}

/// Types the aggregation builder produces.
public enum Aggregations {
    /// Two aggregations side by side; the result is `(first, second)`.
    public struct Pair<First: Aggregation, Second: Aggregation>: Aggregation where First.Input == Second.Input {
        /// Both inputs.
        public typealias Input = First.Input
        @usableFromInline let first: First
        @usableFromInline let second: Second

        /// Pairs two aggregations.
        @inlinable public init(_ first: First, _ second: Second) {
            self.first = first
            self.second = second
        }

        /// Both empty states.
        @inlinable public func makeState() -> PairState<First.State, Second.State> {
            PairState(first.makeState(), second.makeState())
        }
        /// Adds to both.
        @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout PairState<First.State, Second.State>) {
            first.add(input, at: time, to: &state.first)
            second.add(input, at: time, to: &state.second)
        }
        /// Merges both.
        @inlinable public func merge(_ other: PairState<First.State, Second.State>, into state: inout PairState<First.State, Second.State>) {
            first.merge(other.first, into: &state.first)
            second.merge(other.second, into: &state.second)
        }
        /// Both results.
        @inlinable public func result(of state: PairState<First.State, Second.State>) -> (First.Output, Second.Output) {
            (first.result(of: state.first), second.result(of: state.second))
        }
    }
}

/// The states of two aggregations computed together; checkpointable when both are.
public struct PairState<First, Second> {
    /// The first aggregation's state.
    public var first: First
    /// The second aggregation's state.
    public var second: Second
    /// Pairs two states.
    @inlinable public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }
}

extension PairState: Codable where First: Codable, Second: Codable {}
extension PairState: Sendable where First: Sendable, Second: Sendable {}

/// A value with its event time, as aggregations such as ``First`` and ``Collect`` keep it.
public struct Timed<Value> {
    /// The event time.
    public var time: Timestamp
    /// The value.
    public var value: Value
    /// Pairs a value with its time.
    @inlinable public init(_ time: Timestamp, _ value: Value) {
        self.time = time
        self.value = value
    }
}

extension Timed: Codable where Value: Codable {}
extension Timed: Sendable where Value: Sendable {}

/// The running sum and count behind ``Average``.
public struct AverageState: Codable, Sendable {
    /// The sum so far.
    public var sum: Double
    /// The count so far.
    public var count: Int
    /// A state.
    @inlinable public init(sum: Double, count: Int) {
        self.sum = sum
        self.count = count
    }
}

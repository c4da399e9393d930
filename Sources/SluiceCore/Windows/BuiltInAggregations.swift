/// The number of elements.
public struct Count<Input: Sendable>: Aggregation {
    /// Counts elements.
    @inlinable public init() {}
    @inlinable public func makeState() -> Int { 0 }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Int) { state += 1 }
    @inlinable public func merge(_ other: Int, into state: inout Int) { state += other }
    @inlinable public func result(of state: Int) -> Int { state }
}

/// The sum of a value of each element.
public struct Sum<Input: Sendable, Value: AdditiveArithmetic & Sendable>: Aggregation {
    @usableFromInline let value: @Sendable (Input) -> Value
    /// Sums `value(element)`.
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Value) { self.value = value }
    /// Sums the value at `keyPath`.
    @inlinable public init(_ keyPath: KeyPath<Input, Value> & Sendable) { self.value = { $0[keyPath: keyPath] } }
    @inlinable public func makeState() -> Value { .zero }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Value) { state += value(input) }
    @inlinable public func merge(_ other: Value, into state: inout Value) { state += other }
    @inlinable public func result(of state: Value) -> Value { state }
}

/// The smallest value; `nil` for an empty window.
public struct Min<Input: Sendable, Value: Comparable & Sendable>: Aggregation {
    @usableFromInline let value: @Sendable (Input) -> Value
    /// The minimum of `value(element)`.
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Value) { self.value = value }
    /// The minimum of the value at `keyPath`.
    @inlinable public init(_ keyPath: KeyPath<Input, Value> & Sendable) { self.value = { $0[keyPath: keyPath] } }
    @inlinable public func makeState() -> Value? { nil }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Value?) {
        let candidate = value(input)
        if state.map({ candidate < $0 }) ?? true { state = candidate }
    }
    @inlinable public func merge(_ other: Value?, into state: inout Value?) {
        if let other, state.map({ other < $0 }) ?? true { state = other }
    }
    @inlinable public func result(of state: Value?) -> Value? { state }
}

/// The largest value; `nil` for an empty window.
public struct Max<Input: Sendable, Value: Comparable & Sendable>: Aggregation {
    @usableFromInline let value: @Sendable (Input) -> Value
    /// The maximum of `value(element)`.
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Value) { self.value = value }
    /// The maximum of the value at `keyPath`.
    @inlinable public init(_ keyPath: KeyPath<Input, Value> & Sendable) { self.value = { $0[keyPath: keyPath] } }
    @inlinable public func makeState() -> Value? { nil }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Value?) {
        let candidate = value(input)
        if state.map({ candidate > $0 }) ?? true { state = candidate }
    }
    @inlinable public func merge(_ other: Value?, into state: inout Value?) {
        if let other, state.map({ other > $0 }) ?? true { state = other }
    }
    @inlinable public func result(of state: Value?) -> Value? { state }
}

/// The arithmetic mean; `nil` for an empty window.
public struct Average<Input: Sendable>: Aggregation {
    @usableFromInline let value: @Sendable (Input) -> Double
    /// The mean of `value(element)`.
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Double) { self.value = value }
    /// The mean of the value at `keyPath`.
    @inlinable public init(_ keyPath: KeyPath<Input, Double> & Sendable) { self.value = { $0[keyPath: keyPath] } }
    @inlinable public func makeState() -> AverageState { AverageState(sum: 0, count: 0) }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout AverageState) {
        state.sum += value(input)
        state.count += 1
    }
    @inlinable public func merge(_ other: AverageState, into state: inout AverageState) {
        state.sum += other.sum
        state.count += other.count
    }
    @inlinable public func result(of state: AverageState) -> Double? {
        state.count == 0 ? nil : state.sum / Double(state.count)
    }
}

/// The number of distinct values.
public struct DistinctCount<Input: Sendable, Value: Hashable & Sendable>: Aggregation {
    @usableFromInline let value: @Sendable (Input) -> Value
    /// Counts distinct `value(element)`.
    @inlinable public init(_ value: @escaping @Sendable (Input) -> Value) { self.value = value }
    /// Counts distinct values at `keyPath`.
    @inlinable public init(_ keyPath: KeyPath<Input, Value> & Sendable) { self.value = { $0[keyPath: keyPath] } }
    @inlinable public func makeState() -> Set<Value> { [] }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Set<Value>) { state.insert(value(input)) }
    @inlinable public func merge(_ other: Set<Value>, into state: inout Set<Value>) { state.formUnion(other) }
    @inlinable public func result(of state: Set<Value>) -> Int { state.count }
}

/// Every element, in event-time order (arrival order among equal times).
public struct Collect<Input: Sendable>: Aggregation {
    /// Collects elements.
    @inlinable public init() {}
    @inlinable public func makeState() -> [Timed<Input>] { [] }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout [Timed<Input>]) {
        state.append(Timed(time, input))
    }
    @inlinable public func merge(_ other: [Timed<Input>], into state: inout [Timed<Input>]) {
        state.append(contentsOf: other)
    }
    @inlinable public func result(of state: [Timed<Input>]) -> [Input] {
        // A stable sort keeps arrival order among equal times.
        state.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element.value)
    }
}

/// The element with the earliest event time (the first to arrive among equal times).
public struct First<Input: Sendable>: Aggregation {
    /// The earliest element.
    @inlinable public init() {}
    @inlinable public func makeState() -> Timed<Input>? { nil }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Timed<Input>?) {
        if state.map({ time < $0.time }) ?? true { state = Timed(time, input) }
    }
    @inlinable public func merge(_ other: Timed<Input>?, into state: inout Timed<Input>?) {
        if let other, state.map({ other.time < $0.time }) ?? true { state = other }
    }
    @inlinable public func result(of state: Timed<Input>?) -> Input? { state?.value }
}

/// The element with the latest event time (the last to arrive among equal times).
public struct Last<Input: Sendable>: Aggregation {
    /// The latest element.
    @inlinable public init() {}
    @inlinable public func makeState() -> Timed<Input>? { nil }
    @inlinable public func add(_ input: Input, at time: Timestamp, to state: inout Timed<Input>?) {
        if state.map({ time >= $0.time }) ?? true { state = Timed(time, input) }
    }
    @inlinable public func merge(_ other: Timed<Input>?, into state: inout Timed<Input>?) {
        if let other, state.map({ other.time >= $0.time }) ?? true { state = other }
    }
    @inlinable public func result(of state: Timed<Input>?) -> Input? { state?.value }
}

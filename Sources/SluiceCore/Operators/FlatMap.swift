/// Transforms every element into a sequence and emits its elements in order.
///
/// ```swift
/// FlatMap { (line: String) in line.split(separator: " ").map(String.init) }
/// ```
public struct FlatMap<Input: Sendable, Output: Sendable>: TransformStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let transform: @Sendable (Input) throws -> [Output]

    /// Applies `transform` and emits every element of the result.
    @inlinable public init<S: Sequence & Sendable>(_ transform: @escaping @Sendable (Input) throws -> S) where S.Element == Output {
        self.transform = { Array(try transform($0)) }
    }

    /// `flatMap`.
    public var defaultName: String { "flatMap" }
    /// Stateless: fused and freely parallel.
    public var isStateless: Bool { true }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(transform: transform) }

    /// The running form of ``FlatMap``.
    public struct Operator: TransformOperator {
        @usableFromInline let transform: @Sendable (Input) throws -> [Output]
        @inlinable init(transform: @escaping @Sendable (Input) throws -> [Output]) { self.transform = transform }

        /// Emits every element of `transform(element)`.
        @inlinable public mutating func process(_ element: Input, into output: inout Emitter<Output>) throws {
            output.emit(contentsOf: try transform(element))
        }
    }
}

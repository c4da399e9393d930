/// Transforms every element with a function.
///
/// ```swift
/// Map { (order: Order) in order.amount }   // Order → Double
/// ```
/// A throwing transform rejects that element under the stage's ``ErrorPolicy``.
public struct Map<Input: Sendable, Output: Sendable>: TransformStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let transform: @Sendable (Input) throws -> Output

    /// Applies `transform` to each element.
    @inlinable public init(_ transform: @escaping @Sendable (Input) throws -> Output) {
        self.transform = transform
    }

    /// `map`.
    public var defaultName: String { "map" }
    /// Stateless: fused and freely parallel.
    public var isStateless: Bool { true }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(transform: transform) }

    /// The running form of ``Map``.
    public struct Operator: TransformOperator {
        @usableFromInline let transform: @Sendable (Input) throws -> Output
        @inlinable init(transform: @escaping @Sendable (Input) throws -> Output) { self.transform = transform }

        /// Emits `transform(element)`.
        @inlinable public mutating func process(_ element: Input, into output: inout Emitter<Output>) throws {
            output.emit(try transform(element))
        }

        /// Maps the whole chunk in one pass.
        @inlinable public mutating func process(chunk: [Input], into output: inout Emitter<Output>) throws {
            let transform = transform
            try ChunkKernels.process(chunk, into: &output) { try transform($0) }
        }
    }
}

/// Transforms every element and keeps the non-`nil` results.
///
/// ```swift
/// CompactMap { (line: String) in Int(line) }   // drops lines that are not integers
/// ```
public struct CompactMap<Input: Sendable, Output: Sendable>: TransformStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let transform: @Sendable (Input) throws -> Output?

    /// Applies `transform` and keeps non-`nil` results.
    @inlinable public init(_ transform: @escaping @Sendable (Input) throws -> Output?) {
        self.transform = transform
    }

    /// `compactMap`.
    public var defaultName: String { "compactMap" }
    /// Stateless: fused and freely parallel.
    public var isStateless: Bool { true }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(transform: transform) }

    /// The running form of ``CompactMap``.
    public struct Operator: TransformOperator {
        @usableFromInline let transform: @Sendable (Input) throws -> Output?
        @inlinable init(transform: @escaping @Sendable (Input) throws -> Output?) { self.transform = transform }

        /// Emits the result unless it is `nil`.
        @inlinable public mutating func process(_ element: Input, into output: inout Emitter<Output>) throws {
            if let result = try transform(element) { output.emit(result) }
        }

        /// Transforms the whole chunk in one pass.
        @inlinable public mutating func process(chunk: [Input], into output: inout Emitter<Output>) throws {
            let transform = transform
            try ChunkKernels.process(chunk, into: &output) { try transform($0) }
        }
    }
}

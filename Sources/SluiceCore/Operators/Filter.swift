/// Keeps the elements for which a predicate is true.
///
/// ```swift
/// Filter { (order: Order) in order.amount > 10 }
/// ```
public struct Filter<Element: Sendable>: TransformStage {
    /// Elements in.
    public typealias Input = Element
    /// The same elements out.
    public typealias Output = Element
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let isIncluded: @Sendable (Element) throws -> Bool

    /// Keeps elements for which `isIncluded` returns `true`.
    @inlinable public init(_ isIncluded: @escaping @Sendable (Element) throws -> Bool) {
        self.isIncluded = isIncluded
    }

    /// `filter`.
    public var defaultName: String { "filter" }
    /// Stateless: fused and freely parallel.
    public var isStateless: Bool { true }

    /// Creates an instance.
    @inlinable public func makeOperator(_ context: StageContext) -> Operator { Operator(isIncluded: isIncluded) }

    /// The running form of ``Filter``.
    public struct Operator: TransformOperator {
        @usableFromInline let isIncluded: @Sendable (Element) throws -> Bool
        @inlinable init(isIncluded: @escaping @Sendable (Element) throws -> Bool) { self.isIncluded = isIncluded }

        /// Emits `element` when it is included.
        @inlinable public mutating func process(_ element: Element, into output: inout Emitter<Element>) throws {
            if try isIncluded(element) { output.emit(element) }
        }

        /// Filters the whole chunk in one pass.
        @inlinable public mutating func process(chunk: [Element], into output: inout Emitter<Element>) throws {
            let isIncluded = isIncluded
            try ChunkKernels.process(chunk, into: &output) { try isIncluded($0) ? $0 : nil }
        }
    }
}

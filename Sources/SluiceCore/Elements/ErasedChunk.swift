/// Immutable storage for one chunk of typed elements, shared between tasks without copying.
public final class ChunkBox<Element: Sendable>: Sendable {
    /// The elements of the chunk, in order.
    public let elements: [Element]

    /// Wraps `elements`.
    @inlinable public init(_ elements: [Element]) { self.elements = elements }
}

/// A chunk whose element type is known to the stages at both ends of an edge but not to the
/// runtime between them.
///
/// The DSL checks port types at compile time, so the receiving stage can recover the typed
/// array with ``elements(as:)`` at no cost; the runtime only moves the box.
public struct ErasedChunk: Sendable {
    @usableFromInline let box: AnyObject & Sendable
    /// Number of elements in the chunk.
    public let count: Int
    /// Where the elements came from, when a source said and the stages since kept track.
    public var lineage: Lineage?

    /// Erases `elements`.
    @inlinable public init<Element: Sendable>(_ elements: [Element], lineage: Lineage? = nil) {
        self.box = ChunkBox(elements)
        self.count = elements.count
        self.lineage = lineage
    }

    /// The typed elements. `Element` must be the type the chunk was created with.
    @inlinable public func elements<Element: Sendable>(as type: Element.Type) -> [Element] {
        unsafeDowncast(box, to: ChunkBox<Element>.self).elements
    }
}

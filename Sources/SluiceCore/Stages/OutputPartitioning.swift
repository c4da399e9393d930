/// How a stage's output is spread over the instances of the next stage.
///
/// The default leaves the choice to the runtime (one-to-one where parallelism matches, chunks
/// in turn otherwise). ``byKey(_:)`` sends every element with the same key to the same
/// instance, in order; ``KeyBy`` uses it, and so can a stage of your own.
public struct OutputPartitioning<Element: Sendable>: Sendable {
    @usableFromInline let hash: (@Sendable (Element) -> Int)?

    @usableFromInline init(hash: (@Sendable (Element) -> Int)?) { self.hash = hash }

    /// No key: the runtime decides.
    public static var unspecified: OutputPartitioning { OutputPartitioning(hash: nil) }

    /// Partition by the hash of `key`.
    @inlinable public static func byKey<Key: Hashable & Sendable>(_ key: @escaping @Sendable (Element) -> Key) -> OutputPartitioning {
        OutputPartitioning(hash: { key($0).hashValue })
    }

    /// The type-erased form the runtime applies to chunks, or `nil` when unspecified.
    @inlinable public var partitioner: Partitioner? {
        guard let hash else { return nil }
        return Partitioner { chunk, count in
            let elements = chunk.elements(as: Element.self)
            var buckets = [[Element]](repeating: [], count: count)
            // Each part keeps the lineage of its elements.
            var positions = [[Int32]](repeating: [], count: chunk.lineage == nil ? 0 : count)
            for (index, element) in elements.enumerated() {
                // The rule of ``KeyPartition``, which restore uses to find each key's instance.
                let bucket = Int(UInt(bitPattern: hash(element)) % UInt(count))
                buckets[bucket].append(element)
                if !positions.isEmpty { positions[bucket].append(Int32(index)) }
            }
            return buckets.indices.map { bucket in
                ErasedChunk(buckets[bucket], lineage: positions.isEmpty ? nil : chunk.lineage?.selecting(positions[bucket]))
            }
        }
    }
}

/// Splits an erased chunk into one chunk per downstream instance.
public struct Partitioner: Sendable {
    /// Returns `count` chunks (some possibly empty); element order is kept within each.
    public let split: @Sendable (ErasedChunk, _ count: Int) -> [ErasedChunk]

    /// Wraps a split function.
    public init(split: @escaping @Sendable (ErasedChunk, Int) -> [ErasedChunk]) { self.split = split }
}

import SluiceCore

/// Emits the elements of a sequence held in memory, in order: arrays, ranges, any
/// `Sequence` that is `Sendable`.
///
/// Create it with ``Source/collection(_:)``.
public struct SequenceSource<Elements: Sequence & Sendable>: SourceStage where Elements.Element: Sendable {
    /// The sequence's elements.
    public typealias Output = Elements.Element
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let elements: Elements

    @usableFromInline init(_ elements: Elements) { self.elements = elements }

    /// `collection`.
    public var defaultName: String { "collection" }

    /// Starts iterating.
    @inlinable public func makeReader(_ context: StageContext) -> Reader { Reader(iterator: elements.makeIterator()) }

    /// The running form of ``SequenceSource``.
    public struct Reader: SourceReader {
        @usableFromInline var iterator: Elements.Iterator
        /// Elements handed out so far: the position checkpoints record.
        @usableFromInline var consumed = 0
        @usableFromInline init(iterator: Elements.Iterator) { self.iterator = iterator }

        /// Emits up to `limit` elements.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var exhausted = false
            let batch = [Output](unsafeUninitializedCapacity: limit) { buffer, count in
                while count < limit {
                    guard let element = iterator.next() else {
                        exhausted = true
                        return
                    }
                    (buffer.baseAddress! + count).initialize(to: element)
                    count += 1
                }
            }
            consumed += batch.count
            output.emit(contentsOf: batch)
            return !exhausted
        }
    }
}

extension SequenceSource.Reader: CheckpointableSourceReader {
    /// The number of elements handed out.
    public func position() -> Int { consumed }

    /// Skips the elements a checkpoint covers (the sequence gives the same elements each run).
    public mutating func restore(to position: Int) throws {
        while consumed < position {
            guard iterator.next() != nil else {
                throw RecordError("the collection has \(consumed) elements, the checkpoint has read \(position)")
            }
            consumed += 1
        }
    }
}

extension GeneratorSource.Reader: CheckpointableSourceReader {
    /// The next index.
    public func position() -> Int { index }

    /// Continues at a saved index.
    public mutating func restore(to position: Int) { index = position }
}

/// Emits elements made by a function of their index: `count` of them, or without end.
///
/// Create it with ``Source/generate(count:_:)``.
public struct GeneratorSource<Output: Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let count: Int?
    @usableFromInline let make: @Sendable (Int) throws -> Output

    @usableFromInline init(count: Int?, make: @escaping @Sendable (Int) throws -> Output) {
        self.count = count
        self.make = make
    }

    /// `generate`.
    public var defaultName: String { "generate" }
    /// How many.
    public var detail: String { count.map { "\($0) elements" } ?? "unbounded" }

    /// Starts at index 0.
    @inlinable public func makeReader(_ context: StageContext) -> Reader { Reader(count: count, make: make) }

    /// The running form of ``GeneratorSource``.
    public struct Reader: SourceReader {
        @usableFromInline let count: Int?
        @usableFromInline let make: @Sendable (Int) throws -> Output
        @usableFromInline var index = 0
        @usableFromInline init(count: Int?, make: @escaping @Sendable (Int) throws -> Output) {
            self.count = count
            self.make = make
        }

        /// Emits up to `limit` elements; a throwing generator rejects that index.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            let end = count.map { min($0, index + limit) } ?? index + limit
            while index < end {
                do {
                    output.emit(try make(index))
                } catch {
                    try output.reject(error, rawInput: "index \(index)", location: SourceLocation(origin: "generator", line: index))
                }
                index += 1
            }
            return count.map { index < $0 } ?? true
        }
    }
}

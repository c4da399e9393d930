/// The running instance of a ``SourceStage``: reads elements in chunks.
///
/// ## Contract
/// - ``read(into:limit:)`` appends at most `limit` elements and returns `false` once the
///   source is exhausted (it may emit its last elements in that same call). It is never
///   called again after returning `false`.
/// - Bad records go to ``Emitter/reject(_:rawInput:location:)`` with the raw text and the
///   location (file, line, field), never silently dropped.
/// - ``close()`` is called exactly once, on success, failure and cancellation alike; release
///   file handles and connections there.
/// - Reads should check for task cancellation between chunks.
public protocol SourceReader<Output> {
    /// The element type produced.
    associatedtype Output: Sendable

    /// Reads up to `limit` elements into `output`; returns `false` when the source is done.
    mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool

    /// Releases resources.
    mutating func close() async
}

extension SourceReader {
    /// Nothing to release.
    public mutating func close() async {}
}

/// A stage that brings elements into the pipeline: files, collections, generators, APIs.
public protocol SourceStage<Output>: Stage where Input == Never {
    /// The running form of the source.
    associatedtype Reader: SourceReader where Reader.Output == Output

    /// Opens the source; called once per run.
    func makeReader(_ context: StageContext) async throws -> Reader

    /// Derives watermarks from the elements' event time; `nil` (the default) for sources
    /// without event time. Set it with ``eventTime(maxOutOfOrderness:_:)``.
    var watermarkGenerator: WatermarkGenerator? { get }
}

extension SourceStage {
    /// No event time.
    public var watermarkGenerator: WatermarkGenerator? { nil }
    /// One instance: a source reads in parallel only when it says how its instances divide
    /// the input (file sources split files into byte ranges).
    public var maximumParallelism: Int? { 1 }

    /// Creates the type-erased instance the runtime drives.
    @inlinable public func makeErasedSource(_ context: StageContext) async throws -> ErasedSource {
        let failures = RecordFailures(stage: context.stageName, policy: settings.errorPolicy)
        return ErasedSource(try await makeReader(context), failures: failures)
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let stage = self
        let node = graph.addNode(
            stage: self, kind: .source, isStateless: false, partitioner: nil, inputs: [],
            implementation: .source { context in try await stage.makeErasedSource(context) },
            watermarks: watermarkGenerator)
        return [node]
    }
}

/// A running source with its types erased.
public struct ErasedSource {
    /// Reads up to `limit` elements; `finished` is true when the source is exhausted.
    public let read: (_ limit: Int) async throws -> (outcome: StageOutcome, finished: Bool)
    /// Releases resources; called exactly once.
    public let close: () async -> Void
    /// The encoded position after the last element read; `nil` when the reader is not a
    /// ``CheckpointableSourceReader``.
    public let position: (() throws -> [UInt8])?
    /// Continues from an encoded position; `nil` when the reader is not a
    /// ``CheckpointableSourceReader``.
    public let restore: (([UInt8]) throws -> Void)?
    /// Continues from the encoded positions of every instance of the checkpoint; set when the
    /// reader is a ``RedistributableSourceReader``.
    public let restoreAll: (([[UInt8]]) throws -> Void)?
    /// The partition of each element of the last read; set when the reader is a
    /// ``PartitionedSourceReader``.
    public let partitions: (() -> [Int]?)?
    /// The watermarks that came with the last read; set when the reader is a
    /// ``WatermarkForwardingSourceReader``.
    public let forwardedWatermarks: (() -> [(partition: Int, watermark: Timestamp)])?
    /// The partitions a ``PartitionedSourceReader`` knows it will read; empty otherwise.
    public let expectedPartitions: [Int]

    /// Erases `reader`.
    @inlinable public init<Reader: SourceReader>(_ reader: Reader, failures: RecordFailures) {
        let state = SourceReaderBox(reader, failures: failures)
        read = { limit in try await state.read(limit: limit) }
        close = { await state.close() }
        if Reader.self is any CheckpointableSourceReader.Type {
            position = { try state.encodedPosition() }
            restore = { try state.restore(to: $0) }
        } else {
            position = nil
            restore = nil
        }
        restoreAll = Reader.self is any RedistributableSourceReader.Type ? { try state.restore(toAll: $0) } : nil
        partitions = Reader.self is any PartitionedSourceReader.Type ? { state.partitionsOfLastRead() } : nil
        expectedPartitions = state.expectedPartitions()
        forwardedWatermarks = Reader.self is any WatermarkForwardingSourceReader.Type ? { state.watermarksOfLastRead() } : nil
    }
}

extension SourceReaderBox {
    @usableFromInline func encodedPosition() throws -> [UInt8] {
        try (reader as! any CheckpointableSourceReader).encodedPosition()
    }

    @usableFromInline func restore(toAll encoded: [[UInt8]]) throws {
        var redistributable = reader as! any RedistributableSourceReader
        try redistributable.restoreEncoded(all: encoded)
        reader = redistributable as! Reader
    }

    @usableFromInline func restore(to bytes: [UInt8]) throws {
        var checkpointable = reader as! any CheckpointableSourceReader
        try checkpointable.restoreEncoded(bytes)
        reader = checkpointable as! Reader
    }
}

/// Holds a reader's mutable state for ``ErasedSource``'s closures.
@usableFromInline final class SourceReaderBox<Reader: SourceReader> {
    @usableFromInline var reader: Reader
    @usableFromInline var emitter: Emitter<Reader.Output>
    @usableFromInline var closed = false

    @inlinable init(_ reader: Reader, failures: RecordFailures) {
        self.reader = reader
        self.emitter = Emitter(failures: failures)
        // Where each element was read travels with it, so that a later stage rejecting it
        // can keep its raw input, file and line.
        emitter.collectSourceLines()
    }

    @inlinable func read(limit: Int) async throws -> (outcome: StageOutcome, finished: Bool) {
        let more = try await reader.read(into: &emitter, limit: limit)
        return (emitter.takeOutcome(), !more)
    }

    @inlinable func close() async {
        guard !closed else { return }
        closed = true
        await reader.close()
    }
}

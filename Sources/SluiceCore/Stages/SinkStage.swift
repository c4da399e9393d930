/// The running instance of a ``SinkStage``: writes chunks somewhere.
///
/// ## Contract
/// - ``write(_:failures:)`` is called per chunk, in order, never concurrently. Records that
///   cannot be written go to `failures.reject(...)`.
/// - ``finish()`` is called once after the last chunk: make the output visible and durable
///   (file sinks rename their temporary file into place here).
/// - ``abort()`` is called instead of `finish()` when the run fails or is cancelled: discard
///   partial output so that nothing half-written looks complete.
public protocol SinkWriter<Input> {
    /// The element type consumed.
    associatedtype Input: Sendable

    /// Writes one chunk.
    mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws
    /// Writes what the writer holds back across chunks (a database COPY kept open over many
    /// chunks), reporting the records refused there. The runtime calls it at the end of input
    /// and before each checkpoint's pre-commit, so that every refused record is reported by
    /// then.
    mutating func flush(failures: inout RecordFailures) async throws
    /// Makes the complete output durable but still invisible (flushed, synced, under a
    /// hidden name). The runtime calls it on every sink of a run before any sink's
    /// ``finish()``, so that a failure here (a full disk) publishes nothing of the run.
    mutating func prepareToFinish() async throws
    /// Completes the output: makes it visible. Called once every sink of the run has
    /// prepared; should do as little as possible that can fail (a rename).
    mutating func finish() async throws
    /// Discards partial output.
    mutating func abort() async
}

extension SinkWriter {
    /// Nothing held back.
    public mutating func flush(failures: inout RecordFailures) async throws {}
    /// Nothing to prepare.
    public mutating func prepareToFinish() async throws {}
    /// Nothing to complete.
    public mutating func finish() async throws {}
    /// Nothing to discard.
    public mutating func abort() async {}
}

/// A stage that takes elements out of the pipeline: files, collectors, standard output.
public protocol SinkStage<Input>: Stage where Output == Never {
    /// The running form of the sink.
    associatedtype Writer: SinkWriter where Writer.Input == Input

    /// Opens the sink; called once per instance per run.
    func makeWriter(_ context: StageContext) async throws -> Writer

    /// Publishes an encoded transaction of this sink without opening a writer: what checkpoint
    /// commits and recovery call. The default calls the writer type's static
    /// ``TransactionalSinkWriter/commit(_:)``; a sink whose commit needs settings it must not
    /// save in checkpoints (a database password) provides its own.
    var transactionPublisher: (@Sendable ([UInt8]) throws -> Void)? { get }
}

extension SinkStage {
    /// The writer type's static commit, when it is a ``TransactionalSinkWriter``.
    @inlinable public var transactionPublisher: (@Sendable ([UInt8]) throws -> Void)? { transactionCommitter(for: Writer.self) }

    /// Creates the type-erased instance the runtime drives.
    @inlinable public func makeErasedSink(_ context: StageContext) async throws -> ErasedSink {
        let failures = RecordFailures(stage: context.stageName, policy: settings.errorPolicy)
        return ErasedSink(try await makeWriter(context), failures: failures)
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let stage = self
        _ = graph.addNode(
            stage: self, kind: .sink, isStateless: false, partitioner: nil, inputs: upstream,
            implementation: .sink { context in try await stage.makeErasedSink(context) },
            transactionCommitter: transactionPublisher)
        return []
    }
}

/// A running sink with its types erased.
public struct ErasedSink {
    /// Writes one chunk; returns rejected records.
    public let write: (ErasedChunk) async throws -> StageOutcome
    /// Writes what the writer held back; returns the records refused there.
    public let flush: () async throws -> StageOutcome
    /// Makes the complete output durable and invisible.
    public let prepareToFinish: () async throws -> Void
    /// Completes the output.
    public let finish: () async throws -> Void
    /// Discards partial output.
    public let abort: () async -> Void
    /// Pre-commits for a checkpoint and returns the encoded transaction; `nil` when the
    /// writer is not a ``TransactionalSinkWriter``.
    public let preCommit: ((CheckpointID) async throws -> [UInt8])?
    /// Tells the writer the last committed transaction (encoded), before the first write;
    /// `nil` when the writer is not a ``TransactionalSinkWriter``.
    public let recover: (([UInt8]?) async throws -> Void)?
    /// Tells the writer its input's watermark advanced; set when the writer is a
    /// ``WatermarkAwareSinkWriter``.
    public let watermark: ((Timestamp) async throws -> Void)?

    /// Erases `writer`.
    @inlinable public init<Writer: SinkWriter>(_ writer: Writer, failures: RecordFailures) {
        let state = SinkWriterBox(writer, failures: failures)
        write = { chunk in try await state.write(chunk) }
        flush = { try await state.flush() }
        prepareToFinish = { try await state.prepareToFinish() }
        finish = { try await state.finish() }
        abort = { await state.abort() }
        if Writer.self is any TransactionalSinkWriter.Type {
            preCommit = { try await state.preCommit($0) }
            recover = { try await state.recover(after: $0) }
        } else {
            preCommit = nil
            recover = nil
        }
        watermark = Writer.self is any WatermarkAwareSinkWriter.Type ? { try await state.advanceWatermark(to: $0) } : nil
    }
}

/// A sink writer that is told when its input's watermark advances: one that passes event time
/// on, such as the publishing side of a repartitioning exchange.
public protocol WatermarkAwareSinkWriter: SinkWriter {
    /// Event time of the input has reached `watermark`: no element earlier follows. Called in
    /// order with the writes, after the elements that preceded it; `Timestamp.max` at the end
    /// of input.
    mutating func onWatermark(_ watermark: Timestamp) async throws
}

extension SinkWriterBox {
    @usableFromInline func advanceWatermark(to watermark: Timestamp) async throws {
        var aware = writer as! any WatermarkAwareSinkWriter
        defer { writer = aware as! Writer }
        try await aware.onWatermark(watermark)
    }
}

extension SinkWriterBox {
    @usableFromInline func preCommit(_ checkpoint: CheckpointID) async throws -> [UInt8] {
        var transactional = writer as! any TransactionalSinkWriter
        defer { writer = transactional as! Writer }
        return try await transactional.preCommitEncoded(checkpoint)
    }

    @usableFromInline func recover(after committed: [UInt8]?) async throws {
        var transactional = writer as! any TransactionalSinkWriter
        defer { writer = transactional as! Writer }
        try await transactional.recoverEncoded(after: committed)
    }
}

/// Publishes an encoded transaction of the writer type `writer`: what recovery calls for the
/// sinks of the checkpoint it restores, without opening them.
@inlinable func transactionCommitter<Writer: SinkWriter>(for writer: Writer.Type) -> (@Sendable ([UInt8]) throws -> Void)? {
    guard let transactional = Writer.self as? any TransactionalSinkWriter.Type else { return nil }
    return { bytes in try transactional.commitEncoded(bytes) }
}

/// Holds a writer's mutable state for ``ErasedSink``'s closures.
@usableFromInline final class SinkWriterBox<Writer: SinkWriter> {
    @usableFromInline var writer: Writer
    @usableFromInline var failures: RecordFailures
    @usableFromInline var done = false

    @inlinable init(_ writer: Writer, failures: RecordFailures) {
        self.writer = writer
        self.failures = failures
    }

    @inlinable func write(_ chunk: ErasedChunk) async throws -> StageOutcome {
        try await writer.write(chunk.elements(as: Writer.Input.self), failures: &failures)
        return StageOutcome(output: nil, skipped: failures.takeSkipped(),
                            deadLetters: failures.takeDeadLetters())
    }

    @inlinable func flush() async throws -> StageOutcome {
        try await writer.flush(failures: &failures)
        return StageOutcome(output: nil, skipped: failures.takeSkipped(),
                            deadLetters: failures.takeDeadLetters())
    }

    @inlinable func prepareToFinish() async throws {
        guard !done else { return }
        try await writer.prepareToFinish()
    }

    @inlinable func finish() async throws {
        guard !done else { return }
        done = true
        try await writer.finish()
    }

    @inlinable func abort() async {
        guard !done else { return }
        done = true
        await writer.abort()
    }
}

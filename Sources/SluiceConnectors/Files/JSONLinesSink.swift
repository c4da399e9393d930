import SluiceCore

/// Writes each element as one line of compact JSON.
///
/// Create it with ``Sink/jsonLines(_:)``. The file is written under a hidden temporary name
/// and renamed into place only when the run succeeds; a failed or cancelled run leaves the
/// previous file (if any) untouched. When the run takes checkpoints, the file is published
/// per checkpoint instead, exactly once (see ``FileAppendTransaction``). An element that cannot be encoded (a non-finite number)
/// goes to the error policy.
public struct JSONLinesSink<Input: Encodable & Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let path: String

    @usableFromInline init(path: String) { self.path = path }

    /// `jsonLinesSink`.
    public var defaultName: String { "jsonLinesSink" }
    /// The output path.
    public var detail: String { path }
    /// One file, one writer.
    public var maximumParallelism: Int? { 1 }

    /// Creates the temporary file.
    @inlinable public func makeWriter(_ context: StageContext) throws -> Writer {
        Writer(file: try AtomicFileWriter(path: path, checkpointed: context.isCheckpointed))
    }

    /// The running form of ``JSONLinesSink``.
    public struct Writer: SinkWriter {
        @usableFromInline let file: AtomicFileWriter
        @usableFromInline let encoder = JSONRecordEncoder()
        @usableFromInline init(file: AtomicFileWriter) { self.file = file }

        /// Encodes and buffers the chunk.
        @inlinable public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            for element in elements {
                do {
                    try encoder.encode(element, into: &file.buffer)
                    file.buffer.append(0x0A)
                } catch {
                    try failures.reject(error, rawInput: String(describing: element))
                }
            }
            try file.flushIfNeeded()
        }

        /// Flushes and syncs the hidden file.
        public mutating func prepareToFinish() async throws { try file.prepare() }
        /// Renames the file into place.
        public mutating func finish() async throws { try file.commit() }
        /// Deletes the temporary file.
        public mutating func abort() async { file.abort() }
    }
}

extension JSONLinesSink.Writer: AppendingFileSinkWriter {}

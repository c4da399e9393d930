import SluiceCore

/// Reads JSON Lines files (one JSON value per line) and decodes each line into `Output`.
///
/// Create it with ``Source/jsonLines(_:as:)``. Blank lines are ignored. A line that is not
/// valid JSON or does not decode is handed to the error policy with the file, line number and
/// field; the raw line is kept for dead letters.
public struct JSONLinesSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let files: FileList

    @usableFromInline init(files: FileList) { self.files = files }

    /// `jsonLines`.
    public var defaultName: String { "jsonLines" }
    /// The path or pattern.
    public var detail: String { files.pattern }

    /// Opens the first file.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        var reader = Reader(paths: try files.expand())
        reader.appendedData = settings.appendedData
        reader.warning = context.warning
        return reader
    }

    /// The running form of ``JSONLinesSource``.
    public struct Reader: SourceReader {
        @usableFromInline var files: JSONLinesFileQueue<Output>
        @usableFromInline var appendedData = AppendedData.read
        @usableFromInline var warning: @Sendable (String) -> Void = { _ in }

        @usableFromInline init(paths: [String]) { files = JSONLinesFileQueue(paths: paths) }

        /// Decodes up to `limit` lines.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            _ = try files.read(into: &output, limit: limit)
            return files.hasWork
        }

        /// Closes the open file.
        public mutating func close() async { files.close() }
    }
}

extension JSONLinesSource.Reader: CheckpointableSourceReader {
    /// The files done, and the offset in the open one.
    public func position() -> FileQueuePosition { files.position() }

    /// Skips the files done and resumes the open one at its offset.
    public mutating func restore(to position: FileQueuePosition) throws {
        try files.restore(to: position, appendedData: appendedData, warning: warning)
    }
}

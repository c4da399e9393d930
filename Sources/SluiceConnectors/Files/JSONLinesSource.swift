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
        Reader(paths: try files.expand())
    }

    /// The running form of ``JSONLinesSource``.
    public struct Reader: SourceReader {
        @usableFromInline let paths: [String]
        @usableFromInline var next = 0
        @usableFromInline var file: ByteBlockReader?
        @usableFromInline let decoder = JSONRecordDecoder()

        @usableFromInline init(paths: [String]) { self.paths = paths }

        /// Decodes up to `limit` lines.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var handled = 0
            while handled < limit {
                if file == nil {
                    guard next < paths.count else { return false }
                    file = try ByteBlockReader(path: paths[next])
                    next += 1
                }
                guard let current = file, let line = try current.nextLine() else {
                    file?.close()
                    file = nil
                    continue
                }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                handled += 1
                try emitJSONLine(line, decoder: decoder, origin: current.path, lineNumber: current.lineNumber, into: &output)
            }
            return true
        }

        /// Closes the open file.
        public mutating func close() async {
            file?.close()
            file = nil
        }
    }
}

import SluiceCore

/// Writes elements as RFC 4180 CSV with a header taken from the first element's properties.
///
/// Create it with ``Sink/csv(_:options:)``. Like every file sink, the file appears only when
/// the run succeeds. An element whose fields differ from the header, or that holds nested
/// records, goes to the error policy.
public struct CSVSink<Input: Encodable & Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let path: String
    let options: CSVOptions

    init(path: String, options: CSVOptions) {
        self.path = path
        self.options = options
    }

    /// `csvSink`.
    public var defaultName: String { "csvSink" }
    /// The output path.
    public var detail: String { path }
    /// One file, one writer.
    public var maximumParallelism: Int? { 1 }

    /// Creates the temporary file.
    public func makeWriter(_ context: StageContext) throws -> Writer {
        try options.validate()
        return Writer(file: try AtomicFileWriter(path: path, checkpointed: context.isCheckpointed), options: options)
    }

    /// The running form of ``CSVSink``.
    public struct Writer: SinkWriter {
        @usableFromInline let file: AtomicFileWriter
        let options: CSVOptions
        var header: [String]?
        /// Set when a resumed run finds the header already published.
        var headerPublished = false
        /// Reused for every row.
        let rows = CSVRowEncoder()

        init(file: AtomicFileWriter, options: CSVOptions) {
            self.file = file
            self.options = options
        }

        private func appendRow(_ values: [String]) {
            for (index, value) in values.enumerated() {
                if index > 0 { file.buffer.append(options.delimiter) }
                appendCSVField(value, delimiter: options.delimiter, to: &file.buffer)
            }
            file.buffer.append(contentsOf: [0x0D, 0x0A])
        }

        /// Encodes and buffers the chunk.
        public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            for element in elements {
                do {
                    let (names, values) = try rows.fields(of: element)
                    if header == nil {
                        header = names
                        if options.hasHeader, !headerPublished { appendRow(names) }
                    }
                    guard let header else { continue }
                    if names == header {
                        appendRow(values)
                    } else {
                        var row = [String](repeating: "", count: header.count)
                        for (name, value) in zip(names, values) {
                            guard let column = header.firstIndex(of: name) else {
                                throw RecordError("field '\(name)' is not a column of the CSV header (\(header.joined(separator: ", ")))")
                            }
                            row[column] = value
                        }
                        appendRow(row)
                    }
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

extension CSVSink.Writer: AppendingFileSinkWriter {
    /// Learns what was published (whether the header is out already) and removes parts of
    /// checkpoints that never completed.
    public mutating func recover(after committed: FileAppendTransaction?) async throws {
        file.recover(after: committed)
        headerPublished = (file.publishedLength ?? 0) > 0
    }
}

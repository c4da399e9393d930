import SluiceCore

/// Reads RFC 4180 CSV files and turns each record into `Output`: a `Decodable` type (columns
/// matched to properties by the header's names) or a ``CSVRecord``.
///
/// Create it with ``Source/csv(_:as:options:)`` or ``Source/csvRecords(_:options:)``. A
/// record with more or fewer fields than the header, an unterminated quote, or a field that
/// does not decode is handed to the error policy with the file, the line on which the record
/// starts, and the column.
public struct CSVSource<Output: Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let files: FileList
    @usableFromInline let options: CSVOptions
    @usableFromInline let makeRecord: @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output
    /// For a typed source: the first column the type requires that a header lacks.
    @usableFromInline let missingColumn: (@Sendable ([String]) -> String?)?

    @usableFromInline init(files: FileList, options: CSVOptions,
                           missingColumn: (@Sendable ([String]) -> String?)? = nil,
                           makeRecord: @escaping @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output) {
        self.files = files
        self.options = options
        self.missingColumn = missingColumn
        self.makeRecord = makeRecord
    }

    /// `csv`.
    public var defaultName: String { "csv" }
    /// The path or pattern.
    public var detail: String { files.pattern }

    /// Opens the first file.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        try options.validate()
        var reader = Reader(paths: try files.expand(), options: options, missingColumn: missingColumn, makeRecord: makeRecord)
        reader.appendedData = settings.appendedData
        reader.warning = context.warning
        return reader
    }

    /// The running form of ``CSVSource``.
    public struct Reader: SourceReader {
        @usableFromInline var paths: [String]
        @usableFromInline let options: CSVOptions
        @usableFromInline let makeRecord: @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output
        @usableFromInline let missingColumn: (@Sendable ([String]) -> String?)?
        @usableFromInline var next = 0
        /// Files read to their end, in order.
        @usableFromInline var finished: [String] = []
        /// Where each finished file ended, with its header.
        @usableFromInline var finishedFiles: [String: FinishedFile] = [:]
        /// Finished files that grew since: read from their old end, before anything else.
        @usableFromInline var grown: [FinishedFile] = []
        @usableFromInline var parser: CSVParser?
        @usableFromInline var decoder: CSVRowDecoder?
        @usableFromInline var appendedData = AppendedData.read
        @usableFromInline var warning: @Sendable (String) -> Void = { _ in }

        @usableFromInline init(paths: [String], options: CSVOptions, missingColumn: (@Sendable ([String]) -> String?)?,
                               makeRecord: @escaping @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output) {
            self.paths = paths
            self.options = options
            self.missingColumn = missingColumn
            self.makeRecord = makeRecord
        }

        /// Opens the next file and reads its header; `false` when no files are left. A header
        /// that cannot be read, or that lacks a column the type requires, fails the run
        /// whatever the error policy: every row of the file depends on it.
        @usableFromInline mutating func openNextFile() throws -> Bool {
            if !grown.isEmpty, let names = grown.first?.header {
                let resumed = grown.removeFirst()
                let reopened = CSVParser(reader: try ByteBlockReader(path: resumed.path, resumingAt: resumed.length, lineNumber: 0),
                                         delimiter: options.delimiter, firstLine: resumed.lines + 1)
                reopened.blankLinesAreRecords = names.count == 1
                parser = reopened
                decoder = CSVRowDecoder(parser: reopened, header: CSVHeader(names: names, keyDecoding: options.keyDecoding), options: options)
                return true
            }
            guard next < paths.count else { return false }
            let path = paths[next]
            next += 1
            let opened = CSVParser(reader: try ByteBlockReader(path: path), delimiter: options.delimiter)
            var names: [String] = []
            do {
                if try opened.nextRecord() {
                    names = try (0..<opened.fieldCount).map { column in
                        do { return try opened.string(at: column) } catch {
                            throw RecordErrorMessage("the header is not valid UTF-8 in column \(column + 1)", field: "column \(column + 1)")
                        }
                    }
                }
            } catch let error as RecordErrorMessage {
                opened.close()
                throw RecordErrors.located(RecordErrorMessage("malformed header: " + error.message, field: error.field),
                                           origin: path, line: opened.recordLine)
            }
            if !options.hasHeader {
                names = (0..<names.count).map { "column\($0 + 1)" }
            }
            let header = CSVHeader(names: names, keyDecoding: options.keyDecoding)
            if options.hasHeader, !names.isEmpty, let missing = missingColumn?(header.propertyNames) {
                opened.close()
                throw RecordError("the header has no column '\(missing)', which the records need (columns: \(header.names.joined(separator: ", ")))",
                                  at: SourceLocation(origin: path, line: 1, field: missing))
            }
            parser = opened
            if !options.hasHeader {
                // The first record was data: rewind by reopening.
                opened.close()
                parser = CSVParser(reader: try ByteBlockReader(path: path), delimiter: options.delimiter)
            }
            parser!.blankLinesAreRecords = names.count == 1
            decoder = CSVRowDecoder(parser: parser!, header: header, options: options)
            return true
        }

        /// Reads up to `limit` records.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var handled = 0
            while handled < limit {
                if parser == nil, try !openNextFile() { return false }
                guard let parser, let decoder else { return false }
                let hasRecord: Bool
                do {
                    hasRecord = try parser.nextRecord()
                } catch {
                    handled += 1
                    try output.reject(RecordErrors.located(error, origin: parser.path, line: parser.recordLine),
                                      rawInput: parser.rawText)
                    continue
                }
                guard hasRecord else {
                    if finishedFiles[parser.path] == nil { finished.append(parser.path) }
                    finishedFiles[parser.path] = FinishedFile(path: parser.path, length: parser.consumedOffset, lines: parser.nextLine - 1,
                                                              identity: parser.identity, header: decoder.header.names)
                    parser.close()
                    self.parser = nil
                    self.decoder = nil
                    continue
                }
                handled += 1
                try emitCSVRecord(parser: parser, decoder: decoder, makeRecord: makeRecord, into: &output)
            }
            return true
        }

        /// Closes the open file.
        public mutating func close() async {
            parser?.close()
            parser = nil
            decoder = nil
        }
    }
}

/// Where a CSV source is: the files done, the offset in the open one, and its header.
public struct CSVFilePosition: Codable, Sendable, Equatable {
    /// Files read to their end.
    public var finished: [String]
    /// The file being read.
    public var current: String?
    /// The byte offset after the last record handed out.
    public var offset: Int64
    /// The line the next record starts on.
    public var nextLine: Int
    /// The open file's column names.
    public var header: [String]?
    /// Where each finished file ended, so that rows appended later are read by the next run;
    /// absent in checkpoints of older versions.
    public var finishedFiles: [FinishedFile]?
}

extension CSVSource.Reader: CheckpointableSourceReader {
    /// The files done and the offset after the last record of the open one.
    public func position() -> CSVFilePosition {
        CSVFilePosition(finished: finished, current: parser?.path, offset: parser?.consumedOffset ?? 0,
                        nextLine: parser?.nextLine ?? 1, header: decoder?.header.names,
                        finishedFiles: finished.compactMap { finishedFiles[$0] })
    }

    /// Skips the files done and resumes the open one after its last record.
    public mutating func restore(to position: CSVFilePosition) throws {
        let done = Set(position.finished)
        finished = position.finished
        // Files finished by an earlier run that have grown since are read from their old end.
        finishedFiles = [:]
        grown = []
        for file in position.finishedFiles ?? [] { finishedFiles[file.path] = file }
        grown = try FinishedFile.toResume(position.finishedFiles ?? [], current: position.current, policy: appendedData, warning: warning)
        var remaining = paths.filter { !done.contains($0) && $0 != position.current }
        parser?.close()
        parser = nil
        decoder = nil
        if let current = position.current, let names = position.header {
            let resumed = CSVParser(reader: try ByteBlockReader(path: current, resumingAt: position.offset, lineNumber: 0),
                                    delimiter: options.delimiter, firstLine: position.nextLine)
            resumed.blankLinesAreRecords = names.count == 1
            parser = resumed
            decoder = CSVRowDecoder(parser: resumed, header: CSVHeader(names: names, keyDecoding: options.keyDecoding), options: options)
            remaining.insert(current, at: 0)
        }
        paths = remaining
        next = parser == nil ? 0 : 1
    }
}

/// Turns the parser's current record into an element, or hands it to the error policy with
/// the file, the record's first line and the column: a field count unlike the header's, or a
/// field that does not decode.
@inlinable func emitCSVRecord<Output>(
    parser: CSVParser, decoder: CSVRowDecoder,
    makeRecord: @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output, into output: inout Emitter<Output>
) throws {
    let expected = decoder.header.names.count
    if parser.fieldCount != expected {
        try output.reject(RecordError("expected \(expected) fields as in the header, found \(parser.fieldCount)",
                                      at: SourceLocation(origin: parser.path, line: parser.recordLine)),
                          rawInput: parser.rawText)
        return
    }
    do {
        let record = try makeRecord(decoder, parser, decoder.header)
        parser.withRawBytes { raw in
            output.emit(record, from: SourceLocation(origin: parser.path, line: parser.recordLine), raw: raw)
        }
    } catch {
        try output.reject(RecordErrors.located(error, origin: parser.path, line: parser.recordLine),
                          rawInput: parser.rawText)
    }
}

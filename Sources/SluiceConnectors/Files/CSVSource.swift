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
    /// The length of the byte ranges files are cut into for parallel instances; `nil`: chosen
    /// per file.
    @usableFromInline var splitLength: Int64?

    /// Cuts files read by parallel instances into ranges of about `bytes` (by default a
    /// sixteenth of a file per instance, between 1 MiB and 2 MiB). Smaller ranges share the
    /// work more evenly and keep the instances reading near each other, which bounds the
    /// event time that windows after the source hold open; each costs a file open.
    @inlinable public func splitSize(_ bytes: Int) -> Self {
        var copy = self
        copy.splitLength = Int64(max(1, bytes))
        return copy
    }

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

    /// Any number of instances: they share the files' byte ranges out.
    public var maximumParallelism: Int? { nil }

    /// Joins the instances' shared list of files (expanding the pattern for the first).
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        try options.validate()
        let files = self.files, options = self.options, missingColumn = self.missingColumn
        let appendedData = settings.appendedData, warning = context.warning, splitLength = self.splitLength
        let coordinator = try context.shared.value {
            FileSplitCoordinator.csv(paths: try files.expand(), options: options, missingColumn: missingColumn,
                                     parallelism: context.parallelism, splitLength: splitLength,
                                     appendedData: appendedData, warning: warning)
        }
        return Reader(coordinator: coordinator, options: options, makeRecord: makeRecord)
    }

    /// The running form of ``CSVSource``: reads one region of a file at a time.
    public struct Reader: SourceReader {
        @usableFromInline var share: SplitShare
        @usableFromInline let options: CSVOptions
        @usableFromInline let makeRecord: @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output
        @usableFromInline var current: (region: FileRegion, parser: CSVParser, decoder: CSVRowDecoder)?
        /// The header of the file read last: the regions of a file share it.
        @usableFromInline var header: (path: String, header: CSVHeader)?

        @usableFromInline init(coordinator: FileSplitCoordinator, options: CSVOptions,
                               makeRecord: @escaping @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output) {
            share = SplitShare(coordinator: coordinator)
            self.options = options
            self.makeRecord = makeRecord
        }

        /// Reads up to `limit` records, taking the next region as each ends.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var handled = 0
            while handled < limit {
                guard let (region, parser, decoder) = try currentOrNext() else { return false }
                guard parser.consumedOffset < region.end else { finishRegion(); continue }
                let hasRecord: Bool
                do {
                    hasRecord = try parser.nextRecord()
                } catch {
                    // A record that starts at the region's end (after blank lines) is the next region's.
                    if parser.recordStartOffset >= region.end { finishRegion(); continue }
                    handled += 1
                    try output.reject(RecordErrors.located(error, origin: parser.path, line: parser.recordLine),
                                      rawInput: parser.rawText)
                    continue
                }
                guard hasRecord, parser.recordStartOffset < region.end else { finishRegion(); continue }
                handled += 1
                try emitCSVRecord(parser: parser, decoder: decoder, makeRecord: makeRecord, into: &output)
            }
            return true
        }

        /// Notes the open region as read and closes it.
        @usableFromInline mutating func finishRegion() {
            guard let (region, parser, _) = current else { return }
            let line = region.endLine ?? (parser.recordStartOffset >= region.end ? parser.recordLine : parser.nextLine)
            share.finished(region, line: line)
            parser.close()
            current = nil
        }

        /// The region being read, or the next one opened; `nil` when none is left.
        @usableFromInline mutating func currentOrNext() throws -> (FileRegion, CSVParser, CSVRowDecoder)? {
            if let current { return current }
            guard let (file, region) = try share.claim() else { return nil }
            if header?.path != file.path {
                header = (file.path, CSVHeader(names: file.header ?? [], keyDecoding: options.keyDecoding))
            }
            let columns = header!.header
            let parser = CSVParser(reader: try ByteBlockReader(path: region.path, resumingAt: region.start, lineNumber: 0),
                                   delimiter: options.delimiter, firstLine: region.line)
            parser.blankLinesAreRecords = columns.names.count == 1
            let decoder = CSVRowDecoder(parser: parser, header: columns, options: options)
            current = (region, parser, decoder)
            return (region, parser, decoder)
        }

        /// Closes the open file.
        public mutating func close() async {
            current?.parser.close()
            current = nil
        }
    }
}

extension CSVSource.Reader: RedistributableSourceReader {
    /// The regions read, and how far into the open one.
    public func position() -> FileSplitsPosition {
        share.position(current: current.map { RegionProgress(region: $0.region, offset: $0.parser.consumedOffset, line: $0.parser.nextLine) })
    }

    /// Continues from one instance's position.
    public mutating func restore(to position: FileSplitsPosition) throws { try restore(toAll: [position]) }

    /// Continues from every instance's position: what none of them read is read.
    public mutating func restore(toAll positions: [FileSplitsPosition]) throws {
        current?.parser.close()
        current = nil
        try share.restore(positions)
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

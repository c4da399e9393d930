import SluiceCore

/// Follows a CSV file as it grows, like `tail -F`: reads the records there, then polls for
/// appended ones. A record is read only once its line break has arrived (a quoted field may
/// span lines; its record waits for the closing quote). Rotation by rename and truncation
/// are handled as by ``FollowingJSONLinesSource``; each new file starts with its own header.
///
/// Records are checked and decoded as by ``CSVSource`` (same parser, same errors naming the
/// file, line and column). One difference: inside a quoted field a CRLF line break is read
/// as LF. Create it with ``Source/followCSV(_:as:options:pollEvery:endAfterIdle:)``.
public struct FollowingCSVSource<Output: Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let path: String
    @usableFromInline let options: CSVOptions
    @usableFromInline let poll: Duration
    @usableFromInline let endAfterIdle: Duration?
    @usableFromInline let makeRecord: @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output
    /// For a typed source: the first column the type requires that a header lacks.
    @usableFromInline let missingColumn: (@Sendable ([String]) -> String?)?

    @usableFromInline init(path: String, options: CSVOptions, poll: Duration, endAfterIdle: Duration?,
                           missingColumn: (@Sendable ([String]) -> String?)? = nil,
                           makeRecord: @escaping @Sendable (CSVRowDecoder, CSVParser, CSVHeader) throws -> Output) {
        self.path = path
        self.options = options
        self.poll = poll
        self.endAfterIdle = endAfterIdle
        self.missingColumn = missingColumn
        self.makeRecord = makeRecord
    }

    /// `followCSV`.
    public var defaultName: String { "followCSV" }
    /// The path and polling.
    public var detail: String { "\(path), polling every \(poll)" }

    /// Starts following.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        try options.validate()
        return Reader(stage: self, clock: context.clock)
    }

    /// The running form of ``FollowingCSVSource``.
    public struct Reader: SourceReader {
        @usableFromInline let stage: FollowingCSVSource
        @usableFromInline var follower: FileFollower
        @usableFromInline var boundary: CSVRecordBoundary
        /// The current file's column names, once its first record was read.
        @usableFromInline var header: CSVHeader?
        /// Lines of complete records not parsed yet, each with its line break.
        @usableFromInline var ready: [UInt8] = []
        /// Lines of a record whose closing quote has not arrived.
        @usableFromInline var pending: [UInt8] = []
        /// The file line on which `ready` starts, and on which `pending` starts.
        @usableFromInline var readyLine = 1
        @usableFromInline var pendingLine = 1
        /// The byte offset at which `pending` starts.
        @usableFromInline var pendingOffset: Int64 = 0

        @usableFromInline init(stage: FollowingCSVSource, clock: any ProcessingClock) {
            self.stage = stage
            follower = FileFollower(path: stage.path, poll: stage.poll, endAfterIdle: stage.endAfterIdle, clock: clock)
            boundary = CSVRecordBoundary(delimiter: stage.options.delimiter)
        }

        /// Adds one line; moves the record it completes to `ready`.
        @usableFromInline mutating func take(_ line: UnsafeRawBufferPointer, number: Int, offset: Int64 = 0, lineBreak: Bool = true) {
            if pending.isEmpty {
                pendingLine = number
                pendingOffset = offset
            }
            pending.append(contentsOf: line)
            if lineBreak { pending.append(0x0A) }
            if boundary.endsRecord(line) { movePendingToReady() }
        }

        @usableFromInline mutating func movePendingToReady() {
            guard !pending.isEmpty else { return }
            if ready.isEmpty { readyLine = pendingLine }
            ready.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
            boundary.reset()
        }

        /// Parses the complete records in `ready` and emits them; the first record of a file
        /// is its header (or, without one, fixes the number of columns).
        @usableFromInline mutating func parseReady(into output: inout Emitter<Output>) throws {
            guard !ready.isEmpty else { return }
            let parser = CSVParser(reader: ByteBlockReader(bytes: ready, name: stage.path),
                                   delimiter: stage.options.delimiter, firstLine: readyLine)
            ready.removeAll(keepingCapacity: true)
            parser.blankLinesAreRecords = header?.names.count == 1
            var decoder = header.map { CSVRowDecoder(parser: parser, header: $0, options: stage.options) }
            while true {
                do {
                    guard try parser.nextRecord() else { break }
                } catch {
                    try output.reject(RecordErrors.located(error, origin: parser.path, line: parser.recordLine),
                                      rawInput: parser.rawText)
                    continue
                }
                if decoder == nil {
                    let names = stage.options.hasHeader
                        ? try (0..<parser.fieldCount).map { try parser.string(at: $0) }
                        : (0..<parser.fieldCount).map { "column\($0 + 1)" }
                    header = CSVHeader(names: names, keyDecoding: stage.options.keyDecoding)
                    if stage.options.hasHeader, let missing = stage.missingColumn?(header!.propertyNames) {
                        throw RecordError("the header has no column '\(missing)', which the records need (columns: \(header!.names.joined(separator: ", ")))",
                                          at: SourceLocation(origin: stage.path, line: parser.recordLine, field: missing))
                    }
                    parser.blankLinesAreRecords = names.count == 1
                    decoder = CSVRowDecoder(parser: parser, header: header!, options: stage.options)
                    if stage.options.hasHeader { continue }
                }
                try emitCSVRecord(parser: parser, decoder: decoder!, makeRecord: stage.makeRecord, into: &output)
            }
        }

        /// Reads the complete records available; waits one poll interval when there are none.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var follower = self.follower
            defer { self.follower = follower }
            let more = try await follower.read(limit: limit) { input in
                switch input {
                case .fileStarted:
                    header = nil
                case .line(let line, let number, let offset):
                    take(line, number: number, offset: offset)
                case .finalPartialLine(let rest, let number):
                    // The file will not grow: what is left is the last record, complete or not
                    // (an open quote is then reported as unterminated, never dropped).
                    if !rest.isEmpty { rest.withUnsafeBytes { take($0, number: number, lineBreak: false) } }
                    movePendingToReady()
                    try parseReady(into: &output)
                }
            }
            try parseReady(into: &output)
            return more
        }

        /// Closes the file.
        public mutating func close() async {
            follower.close()
        }
    }
}

/// Where a following CSV source is: the file position before the first record not yet
/// handed out, and the file's header.
public struct FollowCSVPosition: Codable, Sendable, Equatable {
    /// The file and offset.
    public var file: FollowPosition
    /// The current file's column names, once read.
    public var header: [String]?
}

extension FollowingCSVSource.Reader: CheckpointableSourceReader {
    /// Before the record still waiting for its closing quote, if any; after the last record
    /// otherwise.
    public func position() -> FollowCSVPosition {
        let file = pending.isEmpty ? follower.position() : follower.position(offset: pendingOffset, line: pendingLine - 1)
        return FollowCSVPosition(file: file, header: header?.names)
    }

    /// Continues at the saved record with the saved header, when the file is still the same.
    public mutating func restore(to position: FollowCSVPosition) throws {
        try follower.restore(to: position.file)
        pending.removeAll()
        ready.removeAll()
        boundary.reset()
        header = follower.file == nil ? nil : position.header.map { CSVHeader(names: $0, keyDecoding: stage.options.keyDecoding) }
    }
}

import SluiceCore

/// Reads JSON documents (a whole file is one JSON value, as APIs and exports often write
/// them) and decodes each element of the records array found at a dotted path, such as
/// `"tickets"` in `{"tickets": [...]}` or `""` for a top-level array.
///
/// Create it with ``Source/json(_:records:as:)`` or ``Source/json(_:records:)``. Each file is
/// read whole, so this is for documents that fit in memory; large data belongs in JSON Lines.
/// An element that does not decode goes to the error policy naming the file, the element's
/// line and its index (`tickets[12]`); a file that is not valid JSON, or has no list at the
/// path, goes to the error policy naming the file, line and column.
public struct JSONDocumentSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let files: FileList
    let recordsPath: String

    init(files: FileList, recordsPath: String) {
        self.files = files
        self.recordsPath = recordsPath
    }

    /// `json`.
    public var defaultName: String { "json" }
    /// The path or pattern, and the records path.
    public var detail: String { recordsPath.isEmpty ? files.pattern : "\(files.pattern) @ \(recordsPath)" }

    /// Lists the files.
    public func makeReader(_ context: StageContext) async throws -> Reader {
        Reader(paths: try files.expand(), recordsPath: recordsPath)
    }

    /// The running form of ``JSONDocumentSource``.
    public struct Reader: SourceReader {
        let paths: [String]
        let recordsPath: String
        let decoder = JSONRecordDecoder()
        /// Files read to their end.
        var filesDone = 0
        /// The open document and its records' byte ranges and lines.
        var document: [UInt8] = []
        var elements: [(start: Int, end: Int, line: Int)] = []
        var nextElement = 0
        var isOpen = false

        init(paths: [String], recordsPath: String) {
            self.paths = paths
            self.recordsPath = recordsPath
        }

        /// Decodes up to `limit` records, opening the next document as each ends.
        public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var handled = 0
            while handled < limit {
                if !isOpen {
                    guard filesDone < paths.count else { return false }
                    try open(paths[filesDone], into: &output)
                }
                guard nextElement < elements.count else {
                    isOpen = false
                    document = []
                    elements = []
                    nextElement = 0
                    filesDone += 1
                    continue
                }
                let element = elements[nextElement]
                let path = paths[filesDone]
                let index = nextElement
                nextElement += 1
                handled += 1
                try document.withUnsafeBytes { bytes in
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[element.start..<element.end])
                    do {
                        output.emit(try decoder.decode(Output.self, from: slice), from: SourceLocation(origin: path, line: element.line), raw: slice)
                    } catch {
                        var located = RecordErrors.located(error, origin: path, line: element.line)
                        let at = "\(recordsPath.isEmpty ? "" : recordsPath)[\(index)]"
                        let field = located.location?.field
                        located.location?.field = field.map { "\(at).\($0)" } ?? at
                        try output.reject(located, rawInput: String(decoding: slice, as: UTF8.self))
                    }
                }
            }
            return filesDone < paths.count
        }

        /// Reads and parses one document and finds its records; a document that cannot be
        /// used goes to the error policy and yields no records.
        mutating func open(_ path: String, into output: inout Emitter<Output>) throws {
            isOpen = true
            nextElement = 0
            elements = []
            document = try POSIX.readWhole(path)
            do {
                elements = try Self.records(in: document, at: recordsPath)
            } catch let error as JSONSyntaxError {
                let (line, column) = Self.lineAndColumn(of: error.column - 1, in: document)
                try output.reject(RecordError("invalid JSON at column \(column): \(error.message)", at: SourceLocation(origin: path, line: line)),
                                  rawInput: String(decoding: document.prefix(200), as: UTF8.self))
            } catch let error as RecordErrorMessage {
                try output.reject(RecordError(error.message, at: SourceLocation(origin: path, field: recordsPath)),
                                  rawInput: String(decoding: document.prefix(200), as: UTF8.self))
            }
        }

        /// The byte range and first line of each element of the array at `recordsPath`.
        static func records(in document: [UInt8], at recordsPath: String) throws -> [(start: Int, end: Int, line: Int)] {
            var tape: [JSONNode] = []
            try document.withUnsafeBytes { try JSONTapeParser.parse($0, into: &tape) }
            var node = 0
            for key in recordsPath.split(separator: ".") where !key.isEmpty {
                guard tape[node].kind == .object else {
                    throw RecordErrorMessage("'\(recordsPath)' is not in the document: '\(key)' is inside a value that is not an object")
                }
                var member = node + 1, found: Int?
                for _ in 0..<tape[node].count {
                    let name = String(decoding: document[Int(tape[member].start)..<Int(tape[member].end)], as: UTF8.self)
                    if name == key { found = member + 1; break }
                    member = Self.after(member + 1, in: tape)
                }
                guard let found else { throw RecordErrorMessage("'\(recordsPath)' is not in the document: no field '\(key)'") }
                node = found
            }
            guard tape[node].kind == .array else {
                let found: String
                switch tape[node].kind {
                case .null: found = "null"
                case .object: found = "an object"
                case .string, .escapedString: found = "a string"
                case .number: found = "a number"
                default: found = "a boolean"
                }
                throw RecordErrorMessage("'\(recordsPath.isEmpty ? "the document" : recordsPath)' is \(found), not a list of records")
            }
            var result: [(start: Int, end: Int, line: Int)] = []
            result.reserveCapacity(Int(tape[node].count))
            var elements = JSONArrayElements(array: node, in: tape), line = 1, scanned = 0
            document.withUnsafeBytes { bytes in
                for _ in 0..<tape[node].count {
                    let value: JSONNode
                    switch elements.next(bytes, tape) {
                    case .container(let index): value = tape[index]
                    case .scalar(let scalar): value = scalar
                    }
                    var start = Int(value.start), end = Int(value.end)
                    if value.kind == .string || value.kind == .escapedString { start -= 1; end += 1 }   // keep the quotes
                    for byte in bytes[scanned..<start] where byte == 0x0A { line += 1 }
                    scanned = start
                    result.append((start, end, line))
                }
            }
            return result
        }

        /// The index of the first node after the value at `node` and its children.
        static func after(_ node: Int, in tape: [JSONNode]) -> Int {
            tape[node].kind == .object || tape[node].kind == .array ? Int(tape[node].next) : node + 1
        }

        /// The 1-based line and column of a byte offset.
        static func lineAndColumn(of offset: Int, in document: [UInt8]) -> (line: Int, column: Int) {
            var line = 1, lineStart = 0
            for index in 0..<min(max(offset, 0), document.count) where document[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            return (line, offset - lineStart + 1)
        }
    }
}

/// Where a ``JSONDocumentSource`` is: the documents read to their end and the next record of
/// the open one.
public struct JSONDocumentPosition: Codable, Sendable, Equatable {
    /// The number of documents read to their end, in the order of the expanded pattern.
    public var filesDone: Int
    /// The open document, if any.
    public var current: String?
    /// The index of its next record.
    public var nextRecord: Int
}

extension JSONDocumentSource.Reader: CheckpointableSourceReader {
    /// The documents done and the next record of the open one.
    public func position() -> JSONDocumentPosition {
        JSONDocumentPosition(filesDone: filesDone, current: isOpen ? paths[filesDone] : nil, nextRecord: isOpen ? nextElement : 0)
    }

    /// Skips the documents done and the records of the open one already handed out. Fails,
    /// naming both, when the file list changed so that the open document is elsewhere.
    public mutating func restore(to position: JSONDocumentPosition) throws {
        filesDone = position.filesDone
        isOpen = false
        guard let current = position.current else { return }
        guard filesDone < paths.count, paths[filesDone] == current else {
            throw RecordError("cannot resume JSON documents: '\(current)' was document \(filesDone + 1) when the checkpoint was taken, and now is not")
        }
        // A document that could not be used was reported before the checkpoint: no records.
        document = try POSIX.readWhole(current)
        elements = (try? Self.records(in: document, at: recordsPath)) ?? []
        isOpen = true
        nextElement = min(position.nextRecord, elements.count)
    }
}

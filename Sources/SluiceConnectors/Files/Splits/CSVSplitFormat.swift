import SluiceCore

/// CSV: a file's records start after its header (or at its beginning without one), and after
/// each line break outside quotes.
struct CSVSplitFormat: SplitFileFormat {
    let options: CSVOptions
    /// For a typed source: the first column the type requires that a header lacks.
    let missingColumn: (@Sendable ([String]) -> String?)?

    /// Reads the header. A header that cannot be read, or that lacks a column the type
    /// requires, fails the run whatever the error policy: every row of the file depends on it.
    func plan(_ path: String) throws -> PlannedFile {
        let reader = try ByteBlockReader(path: path)
        let parser = CSVParser(reader: reader, delimiter: options.delimiter)
        defer { parser.close() }
        let identity = parser.identity
        var names: [String] = []
        do {
            if try parser.nextRecord() {
                names = try (0..<parser.fieldCount).map { column in
                    do { return try parser.string(at: column) } catch {
                        throw RecordErrorMessage("the header is not valid UTF-8 in column \(column + 1)", field: "column \(column + 1)")
                    }
                }
            }
        } catch let error as RecordErrorMessage {
            throw RecordErrors.located(RecordErrorMessage("malformed header: " + error.message, field: error.field),
                                       origin: path, line: parser.recordLine)
        }
        guard options.hasHeader else {
            // The first record was data: it is read again with the others.
            return PlannedFile(path: path, dataStart: 0, dataLine: 1, end: identity?.size ?? 0, identity: identity,
                               header: (0..<names.count).map { "column\($0 + 1)" })
        }
        if !names.isEmpty, let missingColumn, case let header = CSVHeader(names: names, keyDecoding: options.keyDecoding),
           let missing = missingColumn(header.propertyNames) {
            throw RecordError("the header has no column '\(missing)', which the records need (columns: \(header.names.joined(separator: ", ")))",
                              at: SourceLocation(origin: path, line: 1, field: missing))
        }
        return PlannedFile(path: path, dataStart: parser.consumedOffset, dataLine: parser.nextLine, end: identity?.size ?? 0,
                           identity: identity, header: names)
    }

    func scanner(_ window: FileWindow, offset: Int64, line: Int) -> any RecordBoundaryScanner {
        CSVBoundaryScanner(window: window, delimiter: options.delimiter, offset: offset, line: line)
    }
}

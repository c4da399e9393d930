/// Reads the records of one CSV file as arrays of strings, outside any pipeline: the same
/// RFC 4180 parser that ``Source/csv(_:as:options:)`` uses.
///
/// ```swift
/// let reader = try CSVFileReader(path: "people.csv")
/// while let fields = try reader.next() { print(reader.line, fields) }
/// ```
public final class CSVFileReader {
    private let parser: CSVParser

    /// Opens `path`.
    public init(path: String, options: CSVOptions = CSVOptions()) throws {
        parser = CSVParser(reader: try ByteBlockReader(path: path), delimiter: options.delimiter)
    }

    /// The line on which the last record returned starts.
    public var line: Int { parser.recordLine }

    /// The next record's fields, or `nil` at the end of the file. A malformed record throws a
    /// ``RecordError`` naming the file and line; the next call continues after it.
    public func next() throws -> [String]? {
        do {
            guard try parser.nextRecord() else { return nil }
            return try (0..<parser.fieldCount).map { try parser.string(at: $0) }
        } catch {
            throw RecordErrors.located(error, origin: parser.path, line: parser.recordLine)
        }
    }

    /// Closes the file.
    public func close() { parser.close() }
}

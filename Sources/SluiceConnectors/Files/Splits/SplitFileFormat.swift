import SluiceCore

/// What a split file source knows of its format: where a file's records begin (after a
/// header), and how to find record starts in it.
protocol SplitFileFormat: Sendable {
    /// Opens `path` and says where its records start and end.
    func plan(_ path: String) throws -> PlannedFile
    /// A scanner at `offset`, a record start on `line`.
    func scanner(_ window: FileWindow, offset: Int64, line: Int) -> any RecordBoundaryScanner
}

/// JSON Lines: records start at the beginning and after each line feed.
struct JSONLinesSplitFormat: SplitFileFormat {
    func plan(_ path: String) throws -> PlannedFile {
        let descriptor = try POSIX.openForReading(path)
        defer { POSIX.close(descriptor) }
        guard let identity = FileIdentity(descriptor: descriptor) else { throw FileError.fromErrno(path: path, operation: "stat") }
        return PlannedFile(path: path, dataStart: 0, dataLine: 1, end: identity.size, identity: identity, header: nil)
    }

    func scanner(_ window: FileWindow, offset: Int64, line: Int) -> any RecordBoundaryScanner {
        JSONLinesBoundaryScanner(window: window, offset: offset, line: line)
    }
}

import SluiceCore

/// Reads text files line by line, without the line breaks.
///
/// Create it with ``Source/lines(_:)``. A line that is not valid UTF-8 goes to the error
/// policy with its file and line number.
public struct TextLinesSource: SourceStage {
    /// Lines of text.
    public typealias Output = String
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let files: FileList

    @usableFromInline init(files: FileList) { self.files = files }

    /// `lines`.
    public var defaultName: String { "lines" }
    /// The path or pattern.
    public var detail: String { files.pattern }

    /// Opens the first file.
    public func makeReader(_ context: StageContext) async throws -> Reader {
        Reader(paths: try files.expand())
    }

    /// The running form of ``TextLinesSource``.
    public struct Reader: SourceReader {
        var paths: [String]
        var next = 0
        var file: ByteBlockReader?

        /// Reads up to `limit` lines.
        public mutating func read(into output: inout Emitter<String>, limit: Int) async throws -> Bool {
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
                handled += 1
                if let text = UTF8Text.string(line) {
                    output.emit(text, from: SourceLocation(origin: current.path, line: current.lineNumber), raw: line)
                } else {
                    try output.reject(RecordError("the line is not valid UTF-8",
                                                  at: SourceLocation(origin: current.path, line: current.lineNumber)),
                                      rawInput: String(decoding: line, as: UTF8.self))
                }
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

extension TextLinesSource.Reader: CheckpointableSourceReader {
    /// The files finished and the byte offset and line in the open one.
    public func position() -> FileQueuePosition {
        let finished = Array(paths[0..<(file == nil ? next : next - 1)])
        return FileQueuePosition(finished: finished, current: file?.path, offset: file?.consumedOffset ?? 0,
                                 line: file?.lineNumber ?? 0, pending: Array(paths[next...]))
    }

    /// Skips the files finished and resumes the open one at its offset.
    public mutating func restore(to position: FileQueuePosition) throws {
        file?.close()
        file = nil
        let done = Set(position.finished)
        var remaining = paths.filter { !done.contains($0) }
        if let current = position.current {
            remaining.removeAll { $0 == current }
            file = try ByteBlockReader(path: current, resumingAt: position.offset, lineNumber: position.line)
        }
        // The reader walks `paths` by index: keep what is done in front of what is left.
        let front = paths.filter { done.contains($0) || $0 == position.current }
        paths = front + remaining
        next = front.count
    }
}

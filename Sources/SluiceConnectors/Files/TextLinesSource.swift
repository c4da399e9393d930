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
        let paths: [String]
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
                    output.emit(text)
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

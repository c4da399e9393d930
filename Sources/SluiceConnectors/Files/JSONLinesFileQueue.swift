import SluiceCore

/// Files of JSON Lines read one after another, line by line, for the sources that read whole
/// files: a fixed list (``JSONLinesSource``) or the files a watched directory receives
/// (``DirectoryWatchSource``). Blank lines are skipped; a bad line goes to the error policy
/// with its file and line.
@usableFromInline struct JSONLinesFileQueue<Output: Decodable & Sendable> {
    @usableFromInline var pending: [String]
    @usableFromInline var file: ByteBlockReader?
    @usableFromInline let decoder = JSONRecordDecoder()

    @usableFromInline init(paths: [String] = []) { pending = paths }

    /// Whether a file is open or waiting to be read.
    @inlinable var hasWork: Bool { file != nil || !pending.isEmpty }

    /// Adds files to read after the others.
    @inlinable mutating func enqueue(_ paths: [String]) { pending.append(contentsOf: paths) }

    /// Decodes up to `limit` lines, opening the next file as each ends; returns the number of
    /// lines handled, fewer than `limit` when the queue ran out.
    @inlinable mutating func read(into output: inout Emitter<Output>, limit: Int) throws -> Int {
        var handled = 0
        while handled < limit {
            if file == nil {
                guard !pending.isEmpty else { break }
                file = try ByteBlockReader(path: pending.removeFirst())
            }
            guard let current = file, let line = try current.nextLine() else {
                file?.close()
                file = nil
                continue
            }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            handled += 1
            try emitJSONLine(line, decoder: decoder, origin: current.path, lineNumber: current.lineNumber, into: &output)
        }
        return handled
    }

    /// Closes the open file.
    @inlinable mutating func close() {
        file?.close()
        file = nil
    }
}

import SluiceCore

/// Files of JSON Lines read one after another, line by line, for the sources that read whole
/// files: a fixed list (``JSONLinesSource``) or the files a watched directory receives
/// (``DirectoryWatchSource``). Blank lines are skipped; a bad line goes to the error policy
/// with its file and line.
@usableFromInline struct JSONLinesFileQueue<Output: Decodable & Sendable> {
    @usableFromInline var pending: [String]
    @usableFromInline var file: ByteBlockReader?
    /// Files read to their end, in order.
    @usableFromInline var finished: [String] = []
    /// Where each finished file ended.
    @usableFromInline var finishedFiles: [String: FinishedFile] = [:]
    /// Finished files that grew since: read from their old end, before anything else.
    @usableFromInline var grown: [FinishedFile] = []
    @usableFromInline let decoder = JSONRecordDecoder()

    @usableFromInline init(paths: [String] = []) { pending = paths }

    /// Whether a file is open or waiting to be read.
    @inlinable var hasWork: Bool { file != nil || !pending.isEmpty || !grown.isEmpty }

    /// Adds files to read after the others.
    @inlinable mutating func enqueue(_ paths: [String]) { pending.append(contentsOf: paths) }

    /// Decodes up to `limit` lines, opening the next file as each ends; returns the number of
    /// lines handled, fewer than `limit` when the queue ran out.
    @inlinable mutating func read(into output: inout Emitter<Output>, limit: Int) throws -> Int {
        var handled = 0
        while handled < limit {
            if file == nil {
                if !grown.isEmpty {
                    let resumed = grown.removeFirst()
                    file = try ByteBlockReader(path: resumed.path, resumingAt: resumed.length, lineNumber: resumed.lines)
                } else {
                    guard !pending.isEmpty else { break }
                    file = try ByteBlockReader(path: pending.removeFirst())
                }
            }
            guard let current = file, let line = try current.nextLine() else {
                if let done = file {
                    if finishedFiles[done.path] == nil { finished.append(done.path) }
                    finishedFiles[done.path] = FinishedFile(path: done.path, length: done.consumedOffset, lines: done.lineNumber,
                                                            identity: done.identity)
                }
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

    /// Where the queue is: the files done, and the open file's offset and line.
    @usableFromInline func position() -> FileQueuePosition {
        FileQueuePosition(finished: finished, current: file?.path, offset: file?.consumedOffset ?? 0,
                          line: file?.lineNumber ?? 0, pending: pending,
                          finishedFiles: finished.compactMap { finishedFiles[$0] })
    }

    /// Continues from `position`: files done are skipped, the open one resumes at its offset.
    @usableFromInline mutating func restore(to position: FileQueuePosition, appendedData: AppendedData = .read,
                                            warning: @Sendable (String) -> Void = { _ in }) throws {
        close()
        let done = Set(position.finished)
        finished = position.finished
        pending.removeAll { done.contains($0) || $0 == position.current }
        // Files finished by an earlier run that have grown since are read from their old end.
        finishedFiles = [:]
        grown = []
        for file in position.finishedFiles ?? [] { finishedFiles[file.path] = file }
        grown = try FinishedFile.toResume(position.finishedFiles ?? [], current: position.current, policy: appendedData, warning: warning)
        if let current = position.current {
            file = try ByteBlockReader(path: current, resumingAt: position.offset, lineNumber: position.line)
        }
    }

    /// Closes the open file.
    @inlinable mutating func close() {
        file?.close()
        file = nil
    }
}

/// Where a reader of whole files is, as a checkpoint records it.
public struct FileQueuePosition: Codable, Sendable, Equatable {
    /// Files read to their end.
    public var finished: [String]
    /// The file being read.
    public var current: String?
    /// The byte offset in `current` after the last record handed out.
    public var offset: Int64
    /// The number of lines of `current` before `offset`.
    public var line: Int
    /// Files not started yet (informational: on restore the files are listed again and
    /// those finished are skipped, so files that arrived meanwhile are read too).
    public var pending: [String]
    /// Where each finished file ended, so that what is appended later is read by the next
    /// run; absent in checkpoints of older versions.
    public var finishedFiles: [FinishedFile]?
}

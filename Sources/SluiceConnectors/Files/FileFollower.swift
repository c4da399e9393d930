import SluiceCore

/// What ``FileFollower`` hands its caller while it follows a file.
@usableFromInline enum FollowedInput {
    /// A file was opened at the path: the first, or the replacement after a rotation or a
    /// truncation. Per-file state (a CSV header) starts again.
    case fileStarted
    /// One line without its line end, valid only during the call, its 1-based number and the
    /// byte offset at which it starts.
    case line(UnsafeRawBufferPointer, number: Int, offset: Int64)
    /// The rest of a file that will not grow any more (rotated away, or the source is ending),
    /// which did not end with a newline; may be empty.
    case finalPartialLine([UInt8], number: Int)
}

/// The mechanics of `tail -F`, shared by the following sources: reads a file's complete lines
/// as they are appended, waits for a path that does not exist yet, finishes a file that was
/// rotated away (renamed, a new file created at the path) before opening the new one, starts
/// again from the top of a file that was truncated in place (copy-truncate rotation), and
/// polls on the run's clock when there is nothing new.
@usableFromInline struct FileFollower {
    @usableFromInline let path: String
    @usableFromInline let poll: Duration
    @usableFromInline let endAfterIdle: Duration?
    @usableFromInline let clock: any ProcessingClock
    @usableFromInline var file: ByteBlockReader?
    @usableFromInline var identity: FileIdentity?
    @usableFromInline var lastLineAt: Timestamp

    @usableFromInline init(path: String, poll: Duration, endAfterIdle: Duration?, clock: any ProcessingClock) {
        self.path = path
        self.poll = poll
        self.endAfterIdle = endAfterIdle
        self.clock = clock
        self.lastLineAt = clock.now
    }

    /// Hands the rest of the open file to `handle` and closes it.
    @usableFromInline mutating func finishFile(_ handle: (FollowedInput) throws -> Void) throws {
        guard let current = file else { return }
        file = nil
        identity = nil
        defer { current.close() }
        let rest = current.takeRemainder()
        try handle(.finalPartialLine(rest, number: current.lineNumber))
    }

    /// Hands up to `limit` lines to `handle`. When none are available it sleeps one poll
    /// interval; returns `false` once the file has been idle for `endAfterIdle`, after
    /// handing over the partial last line.
    @usableFromInline mutating func read(limit: Int, _ handle: (FollowedInput) throws -> Void) async throws -> Bool {
        var handled = 0
        while handled < limit {
            if file == nil {
                guard FileIdentity(path: path) != nil else { break }
                let opened = try ByteBlockReader(path: path)
                file = opened
                identity = opened.identity
                try handle(.fileStarted)
            }
            guard let current = file else { break }
            let offset = current.consumedOffset
            if let line = try current.nextCompleteLine() {
                try handle(.line(line, number: current.lineNumber, offset: offset))
                handled += 1
                continue
            }
            // The open file is read to its end. If the path now names another file, the old
            // one was rotated away and will not grow: finish it, then open the new one.
            if let now = FileIdentity(path: path), let identity, !now.isSameFile(as: identity) {
                try finishFile(handle)
                handled += 1
                continue
            }
            // Shorter than what was read: truncated in place. What was there is gone (a
            // partial last line is handed over, not lost); what is there now is new.
            if let size = current.identity?.size, size < current.bytesRead {
                try finishFile(handle)
                handled += 1
                continue
            }
            break
        }
        let now = clock.now
        if handled > 0 {
            lastLineAt = now
            return true
        }
        if let endAfterIdle, now >= lastLineAt.advanced(by: endAfterIdle) {
            try finishFile(handle)
            return false
        }
        try await clock.sleep(until: now.advanced(by: poll))
        file?.resumeAfterEnd()
        return true
    }

    /// Where the follower is: after the last complete line handed out, in the open file.
    /// `offset` and `line` override that for a caller holding lines back (a CSV record
    /// still open).
    @usableFromInline func position(offset: Int64? = nil, line: Int? = nil) -> FollowPosition {
        FollowPosition(device: identity?.device, inode: identity?.inode,
                       offset: offset ?? file?.consumedOffset ?? 0, line: line ?? file?.lineNumber ?? 0)
    }

    /// Continues in the same file at the saved offset. When the path names another file now
    /// (rotated while the run was down), that file is read from its start.
    @usableFromInline mutating func restore(to position: FollowPosition) throws {
        close()
        guard let now = FileIdentity(path: path), now.device == position.device, now.inode == position.inode else { return }
        let opened = try ByteBlockReader(path: path, resumingAt: position.offset, lineNumber: position.line)
        file = opened
        identity = opened.identity
    }

    /// Closes the file.
    @usableFromInline mutating func close() {
        file?.close()
        file = nil
    }
}

/// Where a following source is in the file it follows, as a checkpoint records it.
public struct FollowPosition: Codable, Sendable, Equatable {
    /// The followed file's device and inode, to tell it from a file rotated into its place.
    public var device: UInt64?, inode: UInt64?
    /// The byte offset after the last record handed out.
    public var offset: Int64
    /// The number of lines before `offset`.
    public var line: Int
}

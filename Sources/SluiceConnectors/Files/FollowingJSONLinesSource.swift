import SluiceCore

/// Follows a JSON Lines file as it grows, like `tail -F`: reads what is there, then polls for
/// appended lines. A partial last line waits for its newline. When the file is rotated
/// (renamed away and a new file created at the path), the rest of the old file is read, then
/// the new one from its start; a path that does not exist yet is waited for.
///
/// The source is unbounded unless `endAfterIdle` is set: then it ends once no line has
/// arrived for that long (processing time), reading a final line without newline, and the
/// pipeline completes as for a bounded file. Create it with
/// ``Source/followJSONLines(_:as:pollEvery:endAfterIdle:)``.
public struct FollowingJSONLinesSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let path: String
    @usableFromInline let poll: Duration
    @usableFromInline let endAfterIdle: Duration?

    @usableFromInline init(path: String, poll: Duration, endAfterIdle: Duration?) {
        self.path = path
        self.poll = poll
        self.endAfterIdle = endAfterIdle
    }

    /// `followJSONLines`.
    public var defaultName: String { "followJSONLines" }
    /// The path and polling.
    public var detail: String { "\(path), polling every \(poll)" }

    /// Starts following.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        Reader(path: path, poll: poll, endAfterIdle: endAfterIdle, clock: context.clock)
    }

    /// The running form of ``FollowingJSONLinesSource``.
    public struct Reader: SourceReader {
        @usableFromInline let path: String
        @usableFromInline let poll: Duration
        @usableFromInline let endAfterIdle: Duration?
        @usableFromInline let clock: any ProcessingClock
        @usableFromInline var file: ByteBlockReader?
        @usableFromInline var identity: FileIdentity?
        @usableFromInline let decoder = JSONRecordDecoder()
        @usableFromInline var lastLineAt: Timestamp

        @usableFromInline init(path: String, poll: Duration, endAfterIdle: Duration?, clock: any ProcessingClock) {
            self.path = path
            self.poll = poll
            self.endAfterIdle = endAfterIdle
            self.clock = clock
            self.lastLineAt = clock.now
        }

        @inlinable mutating func emit(_ line: UnsafeRawBufferPointer, lineNumber: Int, into output: inout Emitter<Output>) throws {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            try emitJSONLine(line, decoder: decoder, origin: path, lineNumber: lineNumber, into: &output)
        }

        /// Emits the partial last line of the current file and closes it.
        @inlinable mutating func drainAndClose(into output: inout Emitter<Output>) throws {
            guard let current = file else { return }
            let rest = current.takeRemainder()
            if !rest.isEmpty { try rest.withUnsafeBytes { try emit($0, lineNumber: current.lineNumber, into: &output) } }
            current.close()
            file = nil
            identity = nil
        }

        /// Reads the complete lines available; waits one poll interval when there are none.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var handled = 0
            while handled < limit {
                if file == nil {
                    guard FileIdentity(path: path) != nil else { break }
                    let opened = try ByteBlockReader(path: path)
                    file = opened
                    identity = opened.identity
                }
                guard let current = file else { break }
                if let line = try current.nextCompleteLine() {
                    try emit(line, lineNumber: current.lineNumber, into: &output)
                    handled += 1
                    continue
                }
                // The open file is read to its end. If the path now names another file, the
                // old one was rotated away and will not grow: finish it, then open the new.
                if let now = FileIdentity(path: path), let identity, !now.isSameFile(as: identity) {
                    try drainAndClose(into: &output)
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
                try drainAndClose(into: &output)
                return false
            }
            try await clock.sleep(until: now.advanced(by: poll))
            file?.resumeAfterEnd()
            return true
        }

        /// Closes the file.
        public mutating func close() async {
            file?.close()
            file = nil
        }
    }
}

import SluiceCore

/// Follows a JSON Lines file as it grows, like `tail -F`: reads what is there, then polls for
/// appended lines. A partial last line waits for its newline. When the file is rotated
/// (renamed away and a new file created at the path), the rest of the old file is read, then
/// the new one from its start; a file truncated in place is read again from the top; a path
/// that does not exist yet is waited for.
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
        @usableFromInline var follower: FileFollower
        @usableFromInline let decoder = JSONRecordDecoder()

        @usableFromInline init(path: String, poll: Duration, endAfterIdle: Duration?, clock: any ProcessingClock) {
            follower = FileFollower(path: path, poll: poll, endAfterIdle: endAfterIdle, clock: clock)
        }

        @inlinable func emit(_ line: UnsafeRawBufferPointer, lineNumber: Int, into output: inout Emitter<Output>) throws {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            try emitJSONLine(line, decoder: decoder, origin: follower.path, lineNumber: lineNumber, into: &output)
        }

        /// Reads the complete lines available; waits one poll interval when there are none.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            let reader = self
            return try await follower.read(limit: limit) { input in
                switch input {
                case .fileStarted:
                    break
                case .line(let line, let number, _):
                    try reader.emit(line, lineNumber: number, into: &output)
                case .finalPartialLine(let rest, let number):
                    if !rest.isEmpty { try rest.withUnsafeBytes { try reader.emit($0, lineNumber: number, into: &output) } }
                }
            }
        }

        /// Closes the file.
        public mutating func close() async {
            follower.close()
        }
    }
}

extension FollowingJSONLinesSource.Reader: CheckpointableSourceReader {
    /// The followed file and the offset after its last complete line.
    public func position() -> FollowPosition { follower.position() }

    /// Continues after the saved line when the file is still the same one.
    public mutating func restore(to position: FollowPosition) throws { try follower.restore(to: position) }
}

import Dispatch
import SluiceCore

/// Reads standard input line by line.
///
/// Create it with ``Source/standardInput()``. Reads run off the cooperative thread pool, so a
/// slow producer on the other end of the pipe never blocks other stages; cancellation takes
/// effect when the pending read returns.
public struct StandardInputSource: SourceStage {
    /// Lines of text.
    public typealias Output = String
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let descriptor: Int32

    /// Reads `descriptor` (standard input unless a test passes a pipe).
    init(descriptor: Int32 = 0) { self.descriptor = descriptor }

    /// `stdin`.
    public var defaultName: String { "stdin" }
    /// Sources run once.
    public var maximumParallelism: Int? { 1 }

    /// Starts reading.
    public func makeReader(_ context: StageContext) -> Reader { Reader(lines: LineBatchReader(descriptor: descriptor)) }

    /// Lines read on a dispatch queue, handed over a chunk at a time.
    final class LineBatchReader: @unchecked Sendable {
        let reader: ByteBlockReader
        let queue = DispatchQueue(label: "sluice.stdin")

        init(descriptor: Int32) { reader = ByteBlockReader(descriptor: descriptor, name: "stdin") }

        func batch(limit: Int) async throws -> (lines: [(Int, String?, String)], done: Bool) {
            try await withCheckedThrowingContinuation { continuation in
                queue.async {
                    do {
                        var lines: [(Int, String?, String)] = []
                        while lines.count < limit {
                            guard let line = try self.reader.nextLine() else {
                                continuation.resume(returning: (lines, true))
                                return
                            }
                            lines.append((self.reader.lineNumber, UTF8Text.string(line),
                                          String(decoding: line, as: UTF8.self)))
                        }
                        continuation.resume(returning: (lines, false))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

    /// The running form of ``StandardInputSource``.
    public struct Reader: SourceReader {
        let lines: LineBatchReader

        /// Reads up to `limit` lines.
        public mutating func read(into output: inout Emitter<String>, limit: Int) async throws -> Bool {
            let (batch, done) = try await lines.batch(limit: limit)
            for (number, text, raw) in batch {
                if let text {
                    output.emit(text, from: SourceLocation(origin: "stdin", line: number))
                } else {
                    try output.reject(RecordError("the line is not valid UTF-8", at: SourceLocation(origin: "stdin", line: number)),
                                      rawInput: raw)
                }
            }
            return !done
        }
    }
}

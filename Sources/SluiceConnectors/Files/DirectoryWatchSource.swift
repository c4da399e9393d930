#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// Watches a directory and reads each JSON Lines file that lands in it, once, as it appears:
/// the files present at the start first (in name order), then new ones as polling finds them.
///
/// Files should appear complete: written elsewhere (or under a hidden name) and renamed in,
/// as Sluice's own file sinks do. Names starting with `.` are ignored. The source is
/// unbounded unless `endAfterIdle` is set: then it ends once no new file has appeared for that
/// long. Create it with ``Source/watchDirectory(_:matching:as:pollEvery:endAfterIdle:)``.
public struct DirectoryWatchSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let directory: String
    @usableFromInline let pattern: String
    @usableFromInline let poll: Duration
    @usableFromInline let endAfterIdle: Duration?

    @usableFromInline init(directory: String, pattern: String, poll: Duration, endAfterIdle: Duration?) {
        self.directory = directory
        self.pattern = pattern
        self.poll = poll
        self.endAfterIdle = endAfterIdle
    }

    /// `watchDirectory`.
    public var defaultName: String { "watchDirectory" }
    /// The directory and pattern.
    public var detail: String { "\(directory)/\(pattern), polling every \(poll)" }

    /// Starts watching; fails if the directory cannot be listed.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        var reader = Reader(stage: self, clock: context.clock)
        try reader.scan()
        return reader
    }

    /// The running form of ``DirectoryWatchSource``.
    public struct Reader: SourceReader {
        @usableFromInline let stage: DirectoryWatchSource
        @usableFromInline let clock: any ProcessingClock
        /// Every file name taken so far, read or queued.
        @usableFromInline var seen: Set<String> = []
        @usableFromInline var files = JSONLinesFileQueue<Output>()
        @usableFromInline var lastFileAt: Timestamp

        @usableFromInline init(stage: DirectoryWatchSource, clock: any ProcessingClock) {
            self.stage = stage
            self.clock = clock
            self.lastFileAt = clock.now
        }

        /// Queues the new files that match, in name order.
        @usableFromInline mutating func scan() throws {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: stage.directory)
            } catch {
                throw FileError(path: stage.directory, operation: "list", reason: "\(error.localizedDescription)")
            }
            let fresh = names.filter { name in
                !name.hasPrefix(".") && !seen.contains(name) && fnmatch(stage.pattern, name, 0) == 0
            }.sorted()
            seen.formUnion(fresh)
            files.enqueue(fresh.map { stage.directory + "/" + $0 })
            if !fresh.isEmpty { lastFileAt = clock.now }
        }

        /// Reads lines of the queued files; polls for new files when there are none.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            if !files.hasWork { try scan() }
            let handled = try files.read(into: &output, limit: limit)
            if handled > 0 || files.hasWork { return true }
            let now = clock.now
            if let endAfterIdle = stage.endAfterIdle, now >= lastFileAt.advanced(by: endAfterIdle) { return false }
            try await clock.sleep(until: now.advanced(by: stage.poll))
            return true
        }

        /// Closes the open file.
        public mutating func close() async { files.close() }
    }
}

/// Where a directory watcher is: every file name taken, and the position in the files.
public struct DirectoryWatchPosition: Codable, Sendable, Equatable {
    /// Names of the files seen (read or queued).
    public var seen: [String]
    /// The files read to their end and the offset in the open one.
    public var files: FileQueuePosition
}

extension DirectoryWatchSource.Reader: CheckpointableSourceReader {
    /// The files seen and the offset in the open one.
    public func position() -> DirectoryWatchPosition {
        DirectoryWatchPosition(seen: seen.sorted(), files: files.position())
    }

    /// Continues: files read are not read again, the open one resumes at its offset, queued
    /// ones and new ones are read next.
    public mutating func restore(to position: DirectoryWatchPosition) throws {
        // The first scan queued every file there now; those the checkpoint had finished (or
        // was reading) leave the queue, the rest are read, old and new alike.
        try files.restore(to: position.files)
        seen.formUnion(position.seen)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// One checkpoint's output of a file sink, pre-committed and not yet visible: the bytes wait
/// in a hidden part file beside the destination, to be appended when the checkpoint is durable.
public struct FileAppendTransaction: Codable, Sendable, Equatable {
    /// The destination file.
    public var path: String
    /// The hidden file holding this checkpoint's bytes.
    public var part: String
    /// The destination's length before this checkpoint's bytes.
    public var publishedBefore: Int64
    /// The number of bytes this checkpoint adds.
    public var length: Int64
    /// The ``StreamChecksum`` of the part's bytes: a damaged or torn part is never published.
    public var checksum: String

    /// The destination's length once published.
    public var publishedAfter: Int64 { publishedBefore + length }
}

extension AtomicFileWriter {
    /// The hidden name of a checkpoint's part file for `path`.
    static func partPath(for path: String, checkpoint: CheckpointID) -> String {
        let url = URL(fileURLWithPath: path)
        let suffix = checkpoint == .final ? "final" : String(checkpoint.rawValue)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).checkpoint-\(suffix)").path
    }

    /// Makes what was written since the last pre-commit durable under a hidden name and
    /// starts a new part; returns how to publish it.
    @usableFromInline func preCommit(_ checkpoint: CheckpointID) throws -> FileAppendTransaction {
        guard let before = publishedLength else { throw RecordError("\(path): pre-commit outside a checkpointed run") }
        try flush()
        try POSIX.sync(fd, path: temporaryPath)
        let length = Int64(lseek(fd, 0, SEEK_END))
        guard length == checksum.count else {
            throw RecordError("\(temporaryPath): has \(length) bytes where \(checksum.count) were written")
        }
        let partChecksum = checksum.hex
        checksum = StreamChecksum()
        POSIX.close(fd)
        fd = -1
        let part = Self.partPath(for: path, checkpoint: checkpoint)
        try POSIX.rename(temporaryPath, to: part)
        try Self.syncDirectory(of: path)
        publishedLength = before + length
        let url = URL(fileURLWithPath: path)
        temporaryPath = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).tmp").path
        fd = try POSIX.openForWriting(temporaryPath)
        return FileAppendTransaction(path: path, part: part, publishedBefore: before, length: length, checksum: partChecksum)
    }

    /// Publishes a pre-committed part: the destination is cut back to the length it had
    /// before the part (dropping a half-done attempt, or the output of a newer checkpoint that
    /// was lost) and the part appended. Already published (the destination has the length it
    /// would have after) does nothing.
    /// `append` writes each block of the part (a seam for tests that simulate a full disk).
    static func publish(_ transaction: FileAppendTransaction,
                        append: (Int32, UnsafeRawBufferPointer, String) throws -> Void = { try POSIX.writeAll($0, $1, path: $2) }) throws {
        let fd = open(transaction.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError.fromErrno(path: transaction.path, operation: "open for publishing") }
        defer { POSIX.close(fd) }
        let size = Int64(lseek(fd, 0, SEEK_END))
        let partExists = FileManager.default.fileExists(atPath: transaction.part)
        if size == transaction.publishedAfter, !partExists || transaction.length == 0 {
            POSIX.remove(transaction.part)
            return
        }
        // Longer, with the part gone: a newer checkpoint was published and then lost. Its
        // bytes stay until the next publish cuts the file back to `publishedAfter`.
        if size > transaction.publishedAfter, !partExists { return }
        guard partExists else {
            throw RecordError("cannot publish \(transaction.part) into \(transaction.path): the part is gone, and the file has \(size) bytes where \(transaction.publishedBefore) or \(transaction.publishedAfter) were expected")
        }
        guard size >= transaction.publishedBefore else {
            throw RecordError("cannot publish into \(transaction.path): it has \(size) bytes, fewer than the \(transaction.publishedBefore) published before; was it changed outside the pipeline?")
        }
        try PartFiles.verify(transaction.part, length: transaction.length, checksum: transaction.checksum,
                             publishing: transaction.path)
        if size != transaction.publishedBefore, ftruncate(fd, off_t(transaction.publishedBefore)) != 0 {
            throw FileError.fromErrno(path: transaction.path, operation: "truncate")
        }
        _ = lseek(fd, off_t(transaction.publishedBefore), SEEK_SET)
        do {
            let source = try ByteBlockReader(path: transaction.part)
            defer { source.close() }
            while let block = try source.nextBlock() { try append(fd, block, transaction.path) }
            try POSIX.sync(fd, path: transaction.path)
        } catch {
            // A full disk or an I/O error mid-append: cut the file back, so that no partial
            // record stays visible; the part stays for the next attempt.
            if ftruncate(fd, off_t(transaction.publishedBefore)) == 0 { try? POSIX.sync(fd, path: transaction.path) }
            throw RecordError("cannot publish \(transaction.part) into \(transaction.path): \(error); the file was cut back to its \(transaction.publishedBefore) published bytes")
        }
        POSIX.remove(transaction.part)
        try syncDirectory(of: transaction.path)
    }

    /// Learns what was published last and deletes hidden parts of checkpoints that never
    /// completed (and in-progress files of crashed runs).
    @usableFromInline func recover(after committed: FileAppendTransaction?) {
        // A transaction for another path (the sink was pointed elsewhere) says nothing here.
        publishedLength = committed.flatMap { $0.path == path ? $0.publishedAfter : nil } ?? 0
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + "."
        let mine = URL(fileURLWithPath: temporaryPath).lastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix(prefix) && name != mine
            && (name.dropFirst(prefix.count).hasPrefix("checkpoint-") || name.hasSuffix(".tmp")) {
            POSIX.remove(directory + "/" + name)
        }
    }

    static func syncDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError.fromErrno(path: directory, operation: "open directory") }
        defer { POSIX.close(fd) }
        try POSIX.sync(fd, path: directory)
    }
}

extension AtomicFileWriter {
    /// Makes everything written durable under the hidden name `pending` (still invisible)
    /// and closes the file: the first phase of a rename-on-commit.
    @usableFromInline func stage(as pending: String) throws {
        guard fd >= 0 else { throw RecordError("\(path): already closed") }
        try flush()
        try POSIX.sync(fd, path: temporaryPath)
        POSIX.close(fd)
        fd = -1
        try POSIX.rename(temporaryPath, to: pending)
        try Self.syncDirectory(of: pending)
    }

    /// The length and checksum of what was written since the file was opened.
    var writtenSoFar: (length: Int64, checksum: String) { (checksum.count, checksum.hex) }
}

/// A file sink writer that publishes each checkpoint's bytes by appending them to its file:
/// the two-phase commit of the JSON Lines and CSV sinks.
@usableFromInline protocol AppendingFileSinkWriter: TransactionalSinkWriter where Transaction == FileAppendTransaction {
    /// The file being written.
    var file: AtomicFileWriter { get }
}

extension AppendingFileSinkWriter {
    /// Moves what was written since the last checkpoint to a hidden part file.
    public mutating func preCommit(_ checkpoint: CheckpointID) async throws -> FileAppendTransaction {
        try file.preCommit(checkpoint)
    }

    /// Appends a checkpoint's part to the file (idempotent).
    public static func commit(_ transaction: FileAppendTransaction) throws {
        try AtomicFileWriter.publish(transaction)
    }

    /// Learns what was published and removes parts of checkpoints that never completed.
    public mutating func recover(after committed: FileAppendTransaction?) async throws {
        file.recover(after: committed)
    }
}

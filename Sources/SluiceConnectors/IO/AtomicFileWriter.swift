import Foundation
import SluiceCore

/// Writes a file under a hidden temporary name beside its destination and renames it into
/// place only on ``commit()``, so that a failed or cancelled run never leaves a half-written
/// file that looks complete. Output is buffered and written in large blocks.
///
/// When the run takes checkpoints, the file is instead published once per checkpoint (see
/// `AtomicFileWriter+Checkpoints.swift`): each checkpoint's bytes go to a hidden part file
/// that is appended to the destination once the checkpoint is durable.
@usableFromInline final class AtomicFileWriter {
    /// The final path.
    @usableFromInline let path: String
    /// Where the bytes go until commit (in checkpoint mode: until the next pre-commit).
    var temporaryPath: String
    @exclusivity(unchecked) var fd: Int32
    /// Set when the run takes checkpoints: the destination's length after everything
    /// pre-committed so far is published.
    var publishedLength: Int64?
    /// Bytes not yet written to the file; encoders append here.
    @exclusivity(unchecked) @usableFromInline var buffer: [UInt8] = []
    @usableFromInline let flushThreshold = 1 << 20
    /// The checksum of what the temporary file holds, so that a pre-committed part can be
    /// verified before it is published.
    var checksum = StreamChecksum()
    /// Complete and synced under the temporary name, waiting for ``commit()``.
    var prepared = false

    /// Creates the temporary file (and missing parent directories). With `checkpointed`, the
    /// file is published per checkpoint instead, and ``recover(after:)`` must be called first.
    @usableFromInline init(path: String, checkpointed: Bool = false) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        temporaryPath = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).tmp").path
        fd = try POSIX.openForWriting(temporaryPath)
        if checkpointed { publishedLength = 0 }
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit { abort() }

    /// Writes the buffer out once it is large.
    @inlinable func flushIfNeeded() throws {
        if buffer.count >= flushThreshold { try flush() }
    }

    @usableFromInline func flush() throws {
        guard !buffer.isEmpty, fd >= 0 else { return }
        try buffer.withUnsafeBytes {
            checksum.combine($0)
            try POSIX.writeAll(fd, $0, path: temporaryPath)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and syncs everything to the hidden file, ready to be renamed into place. In
    /// checkpoint mode the checkpoints publish the file and this does nothing.
    @usableFromInline func prepare() throws {
        guard publishedLength == nil, fd >= 0 else { return }
        try flush()
        try POSIX.sync(fd, path: temporaryPath)
        POSIX.close(fd)
        fd = -1
        prepared = true
    }

    /// Flushes, syncs to disk (unless ``prepare()`` did) and renames the file into place. In
    /// checkpoint mode the checkpoints publish the file and this does nothing.
    @usableFromInline func commit() throws {
        // After the final checkpoint nothing is left to write: drop the empty next part.
        if publishedLength != nil { return abort() }
        try prepare()
        guard prepared else { return }
        prepared = false
        try POSIX.rename(temporaryPath, to: path)
    }

    /// Discards everything written.
    @usableFromInline func abort() {
        if prepared {
            prepared = false
            POSIX.remove(temporaryPath)
        }
        guard fd >= 0 else { return }
        POSIX.close(fd)
        fd = -1
        POSIX.remove(temporaryPath)
    }
}

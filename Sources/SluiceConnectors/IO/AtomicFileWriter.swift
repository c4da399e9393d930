import Foundation
import SluiceCore

/// Writes a file under a hidden temporary name beside its destination and renames it into
/// place only on ``commit()``, so that a failed or cancelled run never leaves a half-written
/// file that looks complete. Output is buffered and written in large blocks.
@usableFromInline final class AtomicFileWriter {
    /// The final path.
    @usableFromInline let path: String
    /// Where the bytes go until commit.
    let temporaryPath: String
    @exclusivity(unchecked) private var fd: Int32
    /// Bytes not yet written to the file; encoders append here.
    @exclusivity(unchecked) @usableFromInline var buffer: [UInt8] = []
    @usableFromInline let flushThreshold = 1 << 20

    /// Creates the temporary file (and missing parent directories).
    @usableFromInline init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        temporaryPath = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).tmp").path
        fd = try POSIX.openForWriting(temporaryPath)
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit { abort() }

    /// Writes the buffer out once it is large.
    @inlinable func flushIfNeeded() throws {
        if buffer.count >= flushThreshold { try flush() }
    }

    @usableFromInline func flush() throws {
        guard !buffer.isEmpty, fd >= 0 else { return }
        try buffer.withUnsafeBytes { try POSIX.writeAll(fd, $0, path: temporaryPath) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs to disk and renames the file into place.
    @usableFromInline func commit() throws {
        guard fd >= 0 else { return }
        try flush()
        try POSIX.sync(fd, path: temporaryPath)
        POSIX.close(fd)
        fd = -1
        try POSIX.rename(temporaryPath, to: path)
    }

    /// Discards everything written.
    @usableFromInline func abort() {
        guard fd >= 0 else { return }
        POSIX.close(fd)
        fd = -1
        POSIX.remove(temporaryPath)
    }
}

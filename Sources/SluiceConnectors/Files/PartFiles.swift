import Foundation
import SluiceCore

/// Naming and clean-up of the part files that the partitioned and landing-zone sinks write:
/// `part-<instance>-<random>.jsonl`, hidden (`.part-….pending`, `.part-….tmp`) until
/// published.
enum PartFiles {
    /// A new part file name for `instance`, unlikely to meet an existing one.
    static func newName(instance: Int) -> String {
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "part-" + String(format: "%05d", instance) + "-" + String(repeating: "0", count: 8 - token.count) + token + ".jsonl"
    }

    /// The hidden name `path` waits under until it is published.
    static func pendingPath(of path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).pending").path
    }

    /// Makes `file` durable under its hidden pending name; returns the rename that publishes it.
    static func stage(_ file: AtomicFileWriter) throws -> PartitionRenames.Rename {
        let pending = pendingPath(of: file.path)
        try file.stage(as: pending)
        let written = file.writtenSoFar
        return PartitionRenames.Rename(pending: pending, published: file.path, length: written.length, checksum: written.checksum)
    }

    /// Writes `bytes` durably under the hidden pending name of `path`; returns the rename
    /// that publishes it.
    static func stage(_ bytes: [UInt8], as path: String) throws -> PartitionRenames.Rename {
        let pending = pendingPath(of: path)
        let fd = try POSIX.openForWriting(pending)
        defer { POSIX.close(fd) }
        try bytes.withUnsafeBytes { try POSIX.writeAll(fd, $0, path: pending) }
        try POSIX.sync(fd, path: pending)
        try AtomicFileWriter.syncDirectory(of: pending)
        return PartitionRenames.Rename(pending: pending, published: path, length: Int64(bytes.count),
                                       checksum: StreamChecksum.of(bytes).hex)
    }

    /// Checks that the pending file `part` has exactly `length` bytes with `checksum`, before
    /// any of it is published; throws naming the file otherwise.
    static func verify(_ part: String, length: Int64, checksum: String, publishing destination: String) throws {
        let reader = try ByteBlockReader(path: part)
        defer { reader.close() }
        var actual = StreamChecksum()
        while let block = try reader.nextBlock() { actual.combine(block) }
        guard actual.count == length else {
            throw RecordError("the pending part \(part) for \(destination) is damaged: it has \(actual.count) bytes where the checkpoint recorded \(length); nothing was published")
        }
        guard actual.hex == checksum else {
            throw RecordError("the pending part \(part) for \(destination) is damaged: its checksum is \(actual.hex) where the checkpoint recorded \(checksum); nothing was published")
        }
    }

    /// Deletes the hidden, unpublished parts of `instance` anywhere under `directory`: those
    /// of checkpoints that never completed and those a crashed run was writing.
    static func removeUnpublished(under directory: String, instance: Int) {
        let prefix = ".part-" + String(format: "%05d", instance) + "-"
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return }
        for case let relative as String in walker {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix(prefix), name.hasSuffix(".pending") || name.hasSuffix(".tmp") else { continue }
            POSIX.remove(directory + "/" + relative)
        }
    }
}

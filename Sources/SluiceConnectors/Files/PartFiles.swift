import Foundation

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
        return PartitionRenames.Rename(pending: pending, published: file.path)
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

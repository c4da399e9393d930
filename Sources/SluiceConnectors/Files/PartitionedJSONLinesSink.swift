import Foundation
import SluiceCore

/// Writes JSON Lines into a directory of partitions, `dt=2026-11-21/part-00000-1a2b3c4d.jsonl`,
/// the layout Hive, Spark and DuckDB (`read_json('out/*/*.jsonl', hive_partitioning = true)`)
/// read.
///
/// Create it with ``Sink/partitionedJSONLines(_:of:partition:)``: `partition` names each
/// element's partition as a relative path (`"dt=2026-11-21"`, `"country=DE/dt=…"`). Each run
/// adds new part files: one per partition and instance, or with checkpoints, one per
/// partition, instance and checkpoint. Files being written or pre-committed are hidden
/// (their names start with `.`) until they are renamed into place — at the end of a
/// successful run, or with checkpoints once their checkpoint is durable, exactly once.
public struct PartitionedJSONLinesSink<Input: Encodable & Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let directory: String
    @usableFromInline let partition: @Sendable (Input) -> String

    @usableFromInline init(directory: String, partition: @escaping @Sendable (Input) -> String) {
        self.directory = directory
        self.partition = partition
    }

    /// `partitionedJSONLines`.
    public var defaultName: String { "partitionedJSONLines" }
    /// The directory.
    public var detail: String { directory }

    /// Opens nothing yet: partition files are created as elements arrive.
    @inlinable public func makeWriter(_ context: StageContext) throws -> Writer {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return Writer(stage: self, instance: context.instance)
    }

    /// The running form of ``PartitionedJSONLinesSink``.
    public struct Writer: SinkWriter {
        @usableFromInline let stage: PartitionedJSONLinesSink
        @usableFromInline let instance: Int
        @usableFromInline let encoder = JSONRecordEncoder()
        /// The open file of each partition.
        @usableFromInline var open: [String: AtomicFileWriter] = [:]

        @usableFromInline init(stage: PartitionedJSONLinesSink, instance: Int) {
            self.stage = stage
            self.instance = instance
        }

        /// Checks a partition name: relative, no `..`, no hidden components.
        @usableFromInline static func problem(with partition: String) -> String? {
            if partition.isEmpty { return "the partition name is empty" }
            if partition.hasPrefix("/") { return "the partition '\(partition)' is an absolute path" }
            for component in partition.split(separator: "/", omittingEmptySubsequences: false) {
                if component.isEmpty || component == "." || component == ".." {
                    return "the partition '\(partition)' has an empty, '.' or '..' component"
                }
                if component.hasPrefix(".") || component.hasPrefix("_") {
                    return "the partition '\(partition)' has a component starting with '.' or '_', which readers skip"
                }
            }
            return nil
        }

        @usableFromInline mutating func file(for partition: String) throws -> AtomicFileWriter {
            if let file = open[partition] { return file }
            let name = PartFiles.newName(instance: instance)
            let file = try AtomicFileWriter(path: stage.directory + "/" + partition + "/" + name)
            open[partition] = file
            return file
        }

        /// Encodes each element into its partition's file.
        @inlinable public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            for element in elements {
                let partition = stage.partition(element)
                if let problem = Self.problem(with: partition) {
                    try failures.reject(RecordError(problem), rawInput: String(describing: element))
                    continue
                }
                let file = try file(for: partition)
                do {
                    try encoder.encode(element, into: &file.buffer)
                    file.buffer.append(0x0A)
                } catch {
                    try failures.reject(error, rawInput: String(describing: element))
                }
                try file.flushIfNeeded()
            }
        }

        /// Flushes and syncs every part under its hidden name.
        public mutating func prepareToFinish() async throws {
            for file in open.values { try file.prepare() }
        }

        /// Renames every part into place (without checkpoints; with them, nothing is left).
        public mutating func finish() async throws {
            for file in open.values { try file.commit() }
            open = [:]
        }

        /// Deletes the parts being written.
        public mutating func abort() async {
            for file in open.values { file.abort() }
            open = [:]
        }
    }
}

/// The parts one instance of a ``PartitionedJSONLinesSink`` pre-committed at a checkpoint:
/// hidden files to rename into place.
public struct PartitionRenames: Codable, Sendable, Equatable {
    /// A hidden pre-committed file and the visible name it gets.
    public struct Rename: Codable, Sendable, Equatable {
        /// The hidden file.
        public var pending: String
        /// Its name once published.
        public var published: String
        /// Its length in bytes.
        public var length: Int64
        /// Its ``StreamChecksum``, verified before it is published.
        public var checksum: String
    }
    /// The sink's directory.
    public var directory: String
    /// The parts.
    public var renames: [Rename]
}

extension PartitionedJSONLinesSink.Writer: TransactionalSinkWriter {
    /// Makes each open part durable under a hidden name; the next elements start new parts.
    public mutating func preCommit(_ checkpoint: CheckpointID) async throws -> PartitionRenames {
        let renames = try open.sorted(by: { $0.key < $1.key }).map { try PartFiles.stage($0.value) }
        open = [:]
        return PartitionRenames(directory: stage.directory, renames: renames)
    }

    /// Renames the parts into place; a part already in place is left alone. Every pending
    /// part is verified first, so a damaged one publishes nothing of the checkpoint.
    public static func commit(_ transaction: PartitionRenames) throws {
        for rename in transaction.renames where FileManager.default.fileExists(atPath: rename.pending) {
            try PartFiles.verify(rename.pending, length: rename.length, checksum: rename.checksum, publishing: rename.published)
        }
        for rename in transaction.renames {
            if FileManager.default.fileExists(atPath: rename.pending) {
                try POSIX.rename(rename.pending, to: rename.published)
                try AtomicFileWriter.syncDirectory(of: rename.published)
            } else if !FileManager.default.fileExists(atPath: rename.published) {
                throw RecordError("cannot publish \(rename.published): neither it nor its pre-committed \(rename.pending) exists")
            }
        }
    }

    /// Deletes hidden parts of checkpoints that never completed, and parts being written by
    /// runs that crashed, in every partition.
    public mutating func recover(after committed: PartitionRenames?) async throws {
        PartFiles.removeUnpublished(under: stage.directory, instance: instance)
    }
}

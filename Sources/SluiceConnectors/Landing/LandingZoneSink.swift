import Foundation
import SluiceCore

/// The raw landing zone of an ELT pipeline: payloads stored as they came, partitioned by
/// source and ingestion date (`source=artists/ingest_date=2026-11-21/part-00000-1a2b3c4d.jsonl`,
/// one JSON line per payload), each part file with a lineage record beside it
/// (`….lineage.json`: origins, offsets, ingestion times, count, checksum). Parts stay hidden
/// until they are complete — at the end of the run, or with checkpoints at each checkpoint,
/// exactly once. `Source.landingZone` reads them back.
public struct LandingZoneSink: SinkStage {
    /// Payloads in.
    public typealias Input = LandedPayload
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let directory: String
    let source: String

    init(directory: String, source: String) {
        self.directory = directory
        self.source = source
    }

    /// `landingZone`.
    public var defaultName: String { "landingZone" }
    /// The directory and source.
    public var detail: String { "\(directory), source \(source)" }

    /// Opens nothing yet: parts are created as payloads arrive.
    public func makeWriter(_ context: StageContext) throws -> Writer {
        guard PartitionedJSONLinesSink<LandedPayload>.Writer.problem(with: "source=\(source)") == nil, !source.contains("/") else {
            throw RecordError("'\(source)' cannot name a landing-zone source: use letters, digits, '-' and '_'")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return Writer(stage: self, instance: context.instance)
    }

    /// The running form of ``LandingZoneSink``.
    public struct Writer: SinkWriter {
        let stage: LandingZoneSink
        let instance: Int
        let encoder = JSONRecordEncoder()
        /// The open part and its lineage of each ingestion date.
        var open: [String: (file: AtomicFileWriter, lineage: LandingLineage)] = [:]
        /// Parts and lineage made durable by ``prepareToFinish()``, waiting to be renamed.
        var staged: [PartitionRenames.Rename] = []

        /// Appends each payload to the part of its ingestion date.
        public mutating func write(_ elements: [LandedPayload], failures: inout RecordFailures) async throws {
            for payload in elements {
                let partition = "source=\(stage.source)/ingest_date=\(CivilDate(Timestamp(millisecondsSinceEpoch: payload.ingestedAt)))"
                if open[partition] == nil {
                    let name = PartFiles.newName(instance: instance)
                    let file = try AtomicFileWriter(path: stage.directory + "/" + partition + "/" + name)
                    open[partition] = (file, LandingLineage(source: stage.source, part: partition + "/" + name, origins: [],
                                                            firstOffset: payload.offset, lastOffset: nil,
                                                            firstIngestedAt: payload.ingestedAt, lastIngestedAt: payload.ingestedAt,
                                                            payloads: 0, checksum: ""))
                }
                let file = open[partition]!.file
                do {
                    try encoder.encode(payload, into: &file.buffer)
                    file.buffer.append(0x0A)
                } catch {
                    try failures.reject(error, rawInput: payload.origin)
                    continue
                }
                var lineage = open[partition]!.lineage
                if lineage.origins.last != payload.origin { lineage.origins.append(payload.origin) }
                lineage.lastOffset = payload.offset ?? lineage.lastOffset
                lineage.firstIngestedAt = min(lineage.firstIngestedAt, payload.ingestedAt)
                lineage.lastIngestedAt = max(lineage.lastIngestedAt, payload.ingestedAt)
                lineage.payloads += 1
                open[partition]!.lineage = lineage
                try file.flushIfNeeded()
            }
        }

        /// Makes every open part durable under a hidden name, with its lineage beside it.
        mutating func stageAll() throws -> [PartitionRenames.Rename] {
            var renames: [PartitionRenames.Rename] = []
            for (_, entry) in open.sorted(by: { $0.key < $1.key }) {
                let part = try PartFiles.stage(entry.file)
                var lineage = entry.lineage
                lineage.checksum = LandingLineage.fileChecksum(part.pending)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                renames.append(part)
                renames.append(try PartFiles.stage(Array(try encoder.encode(lineage)), as: entry.file.path + ".lineage.json"))
            }
            open = [:]
            return renames
        }

        /// Makes every part and its lineage durable under hidden names.
        public mutating func prepareToFinish() async throws {
            staged += try stageAll()
        }

        /// Publishes everything (without checkpoints; with them, nothing is left).
        public mutating func finish() async throws {
            staged += try stageAll()
            try PartitionedJSONLinesSink<LandedPayload>.Writer.commit(PartitionRenames(directory: stage.directory, renames: staged))
            staged = []
        }

        /// Deletes the parts being written.
        public mutating func abort() async {
            for entry in open.values { entry.file.abort() }
            for rename in staged { POSIX.remove(rename.pending) }
            staged = []
            open = [:]
        }
    }
}

extension LandingZoneSink.Writer: TransactionalSinkWriter {
    /// Stages the open parts and their lineage; the next payloads start new parts.
    public mutating func preCommit(_ checkpoint: CheckpointID) async throws -> PartitionRenames {
        PartitionRenames(directory: stage.directory, renames: try stageAll())
    }

    /// Renames parts and lineage into place (idempotent).
    public static func commit(_ transaction: PartitionRenames) throws {
        try PartitionedJSONLinesSink<LandedPayload>.Writer.commit(transaction)
    }

    /// Deletes hidden parts of checkpoints that never completed.
    public mutating func recover(after committed: PartitionRenames?) async throws {
        PartFiles.removeUnpublished(under: stage.directory + "/source=" + stage.source, instance: instance)
    }
}

import Foundation
import SluiceCore

/// One piece of a checkpoint: a stage instance's state, a source's position, or a sink's
/// pre-committed transaction.
public struct CheckpointPart: Sendable, Equatable {
    /// What the piece is.
    public enum Kind: String, Codable, Sendable {
        /// A stateful stage instance's state.
        case state
        /// A source instance's position.
        case position
        /// A sink instance's pre-committed transaction.
        case transaction
        /// A stage instance's counts since the pipeline first started (``StageTotals``).
        case counters
    }
    /// The stage's name.
    public let stage: String
    /// The instance, from 0.
    public let instance: Int
    /// What the piece is.
    public let kind: Kind
    /// Its encoded content.
    public let bytes: [UInt8]

    /// A piece.
    public init(stage: String, instance: Int, kind: Kind, bytes: [UInt8]) {
        self.stage = stage
        self.instance = instance
        self.kind = kind
        self.bytes = bytes
    }
}

/// The table of contents of a checkpoint, written last: a checkpoint exists once its
/// manifest does.
struct CheckpointManifest: Codable {
    struct Part: Codable {
        var stage: String
        var instance: Int
        var kind: CheckpointPart.Kind
        var file: String
        var size: Int
        var checksum: String
    }
    var format = 2
    var checkpoint: UInt64
    var pipeline: String
    var createdAtMilliseconds: Int64
    /// Taken at the end of bounded input: the run completed.
    var isFinal: Bool
    var parts: [Part]
}

/// A complete checkpoint, as written and as read back.
public struct RestoredCheckpoint: Sendable {
    /// Its number, increasing from 1.
    public let id: UInt64
    /// Where it is stored (a folder, an object's name), for messages.
    public let location: String
    /// Taken at the end of bounded input: the run completed.
    public let isFinal: Bool
    /// Its pieces.
    public let parts: [CheckpointPart]

    /// A checkpoint.
    public init(id: UInt64, location: String, isFinal: Bool, parts: [CheckpointPart]) {
        self.id = id
        self.location = location
        self.isFinal = isFinal
        self.parts = parts
    }

    /// The parts of `stage` of `kind`, ordered by instance.
    func parts(of stage: String, kind: CheckpointPart.Kind) -> [CheckpointPart] {
        parts.filter { $0.stage == stage && $0.kind == kind }.sorted { $0.instance < $1.instance }
    }
}

/// Checkpoints on disk:
///
/// ```
/// DIR/chk-00000000000000000007/0.part        one file per part
/// DIR/chk-00000000000000000007/_manifest.json  written last, by rename
/// ```
struct CheckpointStore: CheckpointStorage {
    let directory: String
    var description: String { directory }
    static let manifestName = "_manifest.json"

    static func folderName(_ id: UInt64) -> String {
        let digits = String(id)
        return "chk-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The checkpoint folders present, newest first.
    func folders() -> [(id: UInt64, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (UInt64, String)? in
            guard name.hasPrefix("chk-"), let id = UInt64(name.dropFirst(4)) else { return nil }
            return (id, directory + "/" + name)
        }.sorted { $0.0 > $1.0 }
    }

    /// Writes checkpoint `id` durably: parts, then the manifest by atomic rename.
    func write(id: UInt64, pipeline: String, isFinal: Bool, parts: [CheckpointPart]) throws {
        try writeFolder(id: id, pipeline: pipeline, isFinal: isFinal, parts: parts)
    }

    private func writeFolder(id: UInt64, pipeline: String, isFinal: Bool, parts: [CheckpointPart]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let folder = directory + "/" + Self.folderName(id)
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var entries: [CheckpointManifest.Part] = []
        for (index, part) in parts.enumerated() {
            let file = "\(index).part"
            try DurableFile.write(part.bytes, to: folder + "/" + file)
            entries.append(CheckpointManifest.Part(stage: part.stage, instance: part.instance, kind: part.kind, file: file,
                                                   size: part.bytes.count, checksum: FNV1a.hex(part.bytes)))
        }
        let manifest = CheckpointManifest(checkpoint: id, pipeline: pipeline,
                                          createdAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000),
                                          isFinal: isFinal, parts: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = folder + "/" + Self.manifestName + ".tmp"
        try DurableFile.write(Self.sealed(Array(try encoder.encode(manifest))), to: temporary)
        try DurableFile.syncDirectory(folder)
        try DurableFile.rename(temporary, to: folder + "/" + Self.manifestName)
        try DurableFile.syncDirectory(folder)
        try DurableFile.syncDirectory(directory)
    }

    static let sealPrefix = Array(#"{"manifestChecksum":""#.utf8)

    /// The manifest JSON `body` with its checksum as its first member:
    /// `{"manifestChecksum":"<16 hex digits>",` followed by the body after its `{`. A single
    /// flipped bit anywhere in the file is then noticed.
    static func sealed(_ body: [UInt8]) -> [UInt8] {
        precondition(body.first == UInt8(ascii: "{"), "a manifest is a JSON object")
        return sealPrefix + Array(StreamChecksum.of(body).hex.utf8) + Array(#"","#.utf8) + body.dropFirst()
    }

    /// The manifest body of a sealed file, once its checksum matches.
    static func unsealed(_ file: [UInt8]) throws -> [UInt8] {
        let headerLength = sealPrefix.count + 16 + 2
        guard file.count > headerLength, file.starts(with: sealPrefix),
              file[sealPrefix.count + 16] == UInt8(ascii: "\""), file[sealPrefix.count + 17] == UInt8(ascii: ",") else {
            throw CheckpointProblem("the manifest has no checksum (damaged, or written by an older version)")
        }
        let recorded = String(decoding: file[sealPrefix.count..<(sealPrefix.count + 16)], as: UTF8.self)
        let body = [UInt8(ascii: "{")] + file[headerLength...]
        let actual = StreamChecksum.of(body).hex
        guard actual == recorded else {
            throw CheckpointProblem("the manifest fails its checksum (\(actual), recorded \(recorded))")
        }
        return body
    }

    /// Reads and checks one checkpoint folder; throws what is wrong with it.
    func read(id: UInt64, folder: String) throws -> RestoredCheckpoint {
        let manifestPath = folder + "/" + Self.manifestName
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw CheckpointProblem("\(folder): no manifest (the checkpoint never completed)", isIncomplete: true)
        }
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(try Self.unsealed(Array(data))))
        } catch let problem as CheckpointProblem {
            throw CheckpointProblem("\(manifestPath): \(problem.description)")
        } catch {
            throw CheckpointProblem("\(manifestPath): unreadable manifest (\(error))")
        }
        var parts: [CheckpointPart] = []
        for entry in manifest.parts {
            let path = folder + "/" + entry.file
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CheckpointProblem("\(path) (\(entry.stage) instance \(entry.instance)) is missing")
            }
            let bytes = [UInt8](contents)
            guard bytes.count == entry.size else {
                throw CheckpointProblem("\(path) (\(entry.stage) instance \(entry.instance)) has \(bytes.count) bytes, the manifest says \(entry.size)")
            }
            guard FNV1a.hex(bytes) == entry.checksum else {
                throw CheckpointProblem("\(path) (\(entry.stage) instance \(entry.instance)) fails its checksum")
            }
            parts.append(CheckpointPart(stage: entry.stage, instance: entry.instance, kind: entry.kind, bytes: bytes))
        }
        return RestoredCheckpoint(id: id, location: folder, isFinal: manifest.isFinal, parts: parts)
    }

    /// The newest checkpoint that is complete and intact, and what was wrong with newer ones.
    /// Throws when damaged checkpoints exist but none is usable: starting from scratch could
    /// then publish output twice, so the user must decide.
    func newestUsable() throws -> (checkpoint: RestoredCheckpoint?, skipped: [String]) {
        var skipped: [String] = []
        var damaged = false
        for (id, folder) in folders() {
            do {
                return (try read(id: id, folder: folder), skipped)
            } catch let problem as CheckpointProblem {
                skipped.append(problem.description)
                if !problem.isIncomplete { damaged = true }
            }
        }
        if damaged {
            throw CheckpointProblem("no usable checkpoint in \(directory): " + skipped.joined(separator: "; ")
                                    + ". To start from scratch, move the directory away together with the output published from it (partitioned and landing-zone parts would otherwise be produced twice).")
        }
        return (nil, skipped)
    }

    /// Deletes complete checkpoints beyond the newest `keep`, and unfinished ones older than
    /// the newest complete one.
    func prune(keep: Int, newest: UInt64) {
        var kept = 0
        for (id, folder) in folders() {
            let complete = FileManager.default.fileExists(atPath: folder + "/" + Self.manifestName)
            if complete && id <= newest {
                kept += 1
                if kept <= keep { continue }
            } else if id > newest {
                continue
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}

/// What is wrong with a stored checkpoint.
public struct CheckpointProblem: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    /// Never completed (no manifest), as opposed to damaged.
    public let isIncomplete: Bool
    /// A problem; `isIncomplete` for a checkpoint that never completed.
    public init(_ description: String, isIncomplete: Bool = false) {
        self.description = description
        self.isIncomplete = isIncomplete
    }
}

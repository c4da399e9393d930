import Foundation
import SluiceCore

/// A whole checkpoint as one sequence of bytes, for a storage that keeps objects rather than
/// folders (a broker's object store): the sealed manifest first, then every part. Decoding
/// checks the manifest's checksum and each part's size and checksum before anything is
/// trusted, as reading a folder does.
///
/// ```
/// 8 bytes   length of the manifest, big-endian
/// manifest  the folder's manifest JSON, sealed with its checksum; each part's "file" is "@<offset>"
/// parts     their bytes, one after another
/// ```
public enum CheckpointArchive {
    /// The checkpoint's bytes.
    public static func encode(id: UInt64, pipeline: String, isFinal: Bool, parts: [CheckpointPart]) throws -> [UInt8] {
        var entries: [CheckpointManifest.Part] = []
        var offset = 0
        for part in parts {
            entries.append(CheckpointManifest.Part(stage: part.stage, instance: part.instance, kind: part.kind, file: "@\(offset)",
                                                   size: part.bytes.count, checksum: FNV1a.hex(part.bytes)))
            offset += part.bytes.count
        }
        let manifest = CheckpointManifest(checkpoint: id, pipeline: pipeline,
                                          createdAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000),
                                          isFinal: isFinal, parts: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let sealed = CheckpointStore.sealed(Array(try encoder.encode(manifest)))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + sealed.count + offset)
        withUnsafeBytes(of: UInt64(sealed.count).bigEndian) { bytes += $0 }
        bytes += sealed
        for part in parts { bytes += part.bytes }
        return bytes
    }

    /// The checkpoint in `bytes`, read from `location`; throws what is wrong with it.
    public static func decode(_ bytes: [UInt8], location: String) throws -> (checkpoint: RestoredCheckpoint, pipeline: String) {
        guard bytes.count >= 8 else { throw CheckpointProblem("\(location): \(bytes.count) bytes, too short for a checkpoint") }
        let length = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= UInt64(bytes.count - 8) else {
            throw CheckpointProblem("\(location): the manifest's length \(length) exceeds the \(bytes.count) bytes stored")
        }
        let manifestEnd = 8 + Int(length)
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(try CheckpointStore.unsealed(Array(bytes[8..<manifestEnd]))))
        } catch let problem as CheckpointProblem {
            throw CheckpointProblem("\(location): \(problem.description)")
        } catch {
            throw CheckpointProblem("\(location): unreadable manifest (\(error))")
        }
        var parts: [CheckpointPart] = []
        var offset = manifestEnd
        for entry in manifest.parts {
            guard entry.file == "@\(offset - manifestEnd)", entry.size >= 0, entry.size <= bytes.count - offset else {
                throw CheckpointProblem("\(location): part \(entry.file) (\(entry.stage) instance \(entry.instance)) of \(entry.size) bytes is not where the manifest says")
            }
            let part = Array(bytes[offset..<offset + entry.size])
            guard FNV1a.hex(part) == entry.checksum else {
                throw CheckpointProblem("\(location): part \(entry.file) (\(entry.stage) instance \(entry.instance)) fails its checksum")
            }
            parts.append(CheckpointPart(stage: entry.stage, instance: entry.instance, kind: entry.kind, bytes: part))
            offset += entry.size
        }
        guard offset == bytes.count else {
            throw CheckpointProblem("\(location): \(bytes.count - offset) bytes follow the last part")
        }
        return (RestoredCheckpoint(id: manifest.checkpoint, location: location, isFinal: manifest.isFinal, parts: parts), manifest.pipeline)
    }
}

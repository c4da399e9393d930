import Foundation
import SluiceCore
import SluiceRuntime
import Synchronization

/// Checkpoints kept in JetStream instead of on a local disk, so that a process on another
/// machine can take the work over: each checkpoint is one object (``CheckpointArchive``) in an
/// object store, and a key of a key-value bucket lists the newest ones.
///
/// **Fencing.** The key is advanced with compare-and-set from the revision this process last
/// read or wrote. Once another process has resumed from the key and written a checkpoint of
/// its own, this process's next write fails — before its sinks publish anything — and its run
/// ends. At most one process advances a checkpoint line, which is what lets work move between
/// machines without duplicates.
///
/// ```swift
/// let storage = try JetStreamCheckpointStorage(nats, line: "alerts.partition-3")
/// try await pipeline.run(checkpoints: .every(.seconds(2), in: storage))
/// ```
public final class JetStreamCheckpointStorage: CheckpointStorage {
    /// The checkpoint line: one pipeline's (or one partition's) succession of checkpoints.
    public let line: String
    /// The key-value bucket and the object store, both named this.
    public let bucket: String
    let configuration: NATSConfiguration
    let replicas: Int

    private struct State {
        var connection: NATSConnection?
        var keyValue: KeyValueBucket?
        var objects: ObjectStore?
        /// The key's revision this process last read or wrote; `nil` before reading it, 0 when
        /// the key did not exist.
        var revision: UInt64?
        var checkpoints: [Pointer.Listed] = []
        var keep = 3
        var dropped: [String] = []
    }
    private let state = Mutex(State())

    /// The list of a line's newest checkpoints, newest first.
    struct Pointer: Codable {
        /// A checkpoint and the object holding it.
        struct Listed: Codable, Equatable {
            var id: UInt64
            var object: String
        }
        var checkpoints: [Listed]
        var pipeline: String
    }

    /// Checkpoints of `line` (letters, digits, `-`, `_`, `/`, `=` and `.`) in the bucket
    /// `bucket` of the servers `configuration` names, kept on `replicas` servers.
    public init(_ configuration: NATSConfiguration, line: String, bucket: String = "sluice_checkpoints", replicas: Int = 1) throws {
        try KeyValueBucket.checkKey(line)
        try KeyValueBucket.checkName(bucket)
        self.configuration = configuration
        self.line = line
        self.bucket = bucket
        self.replicas = replicas
    }

    /// `jetstream://<bucket>/<line>` (never credentials).
    public var description: String { "jetstream://\(bucket)/\(line)" }

    /// A name of its own for each write: a process that loses the race for the key removes
    /// only its own object, never the winner's.
    private func objectName(_ id: UInt64) -> String { "\(line)/\(id)-\(UUID().uuidString.prefix(8))" }

    /// The buckets over a live connection, made on first use.
    private func buckets() throws -> (KeyValueBucket, ObjectStore) {
        if let (keyValue, objects) = state.withLock({ state -> (KeyValueBucket, ObjectStore)? in
            guard let keyValue = state.keyValue, let objects = state.objects, state.connection?.failure == nil else { return nil }
            return (keyValue, objects)
        }) { return (keyValue, objects) }
        let previous = state.withLock { $0.connection }
        previous?.close()
        let connection = try NATSConnection.connectBlocking(configuration, alsoTrying: previous?.discoveredServers ?? [])
        let jetStream = JetStream(connection, timeout: max(configuration.timeout, 10))
        do {
            let keyValue = try KeyValueBucket.createBlocking(jetStream, name: bucket, replicas: replicas)
            let objects = try ObjectStore.createBlocking(jetStream, name: bucket, replicas: replicas)
            state.withLock {
                $0.connection = connection
                $0.keyValue = keyValue
                $0.objects = objects
            }
            return (keyValue, objects)
        } catch {
            connection.close()
            throw error
        }
    }

    /// Runs `body`, connecting again once if the connection was lost.
    private func withBuckets<T>(_ body: (KeyValueBucket, ObjectStore) throws -> T) throws -> T {
        do {
            let (keyValue, objects) = try buckets()
            return try body(keyValue, objects)
        } catch let error as NATSError {
            guard case .connectionFailed = error else { throw error }
            state.withLock { $0.connection?.close(); $0.keyValue = nil; $0.objects = nil }
            let (keyValue, objects) = try buckets()
            return try body(keyValue, objects)
        }
    }

    public func write(id: UInt64, pipeline: String, isFinal: Bool, parts: [CheckpointPart]) throws {
        let archive = try CheckpointArchive.encode(id: id, pipeline: pipeline, isFinal: isFinal, parts: parts)
        try withBuckets { keyValue, objects in
            // A run that writes before it read the key (a fresh start) reads it now.
            if state.withLock({ $0.revision }) == nil { _ = try readPointer(keyValue) }
            let (expected, known, keep) = state.withLock { ($0.revision ?? 0, $0.checkpoints, $0.keep) }
            let object = objectName(id)
            try objects.putBlocking(object, data: archive)
            let listed = [Pointer.Listed(id: id, object: object)] + known.filter { $0.id != id }
            let kept = Array(listed.prefix(max(1, keep)))
            let pointer = try JSONEncoder().encode(Pointer(checkpoints: kept, pipeline: pipeline))
            let written: UInt64
            do {
                written = expected == 0 ? try keyValue.createBlocking(line, value: Array(pointer))
                    : try keyValue.updateBlocking(line, value: Array(pointer), expecting: expected)
            } catch is KeyValueConflict {
                try? objects.deleteBlocking(object)
                throw CheckpointProblem("checkpoint \(id) of \(description) was not written: another process advanced this checkpoint line (it took the work over), so this one must stop")
            }
            state.withLock {
                $0.revision = written
                $0.checkpoints = kept
                $0.dropped += listed.dropFirst(kept.count).map(\.object)
                    + known.filter { $0.id == id }.map(\.object)
            }
        }
    }

    /// Reads the key; remembers its revision (0 when absent) and the checkpoints it lists.
    private func readPointer(_ keyValue: KeyValueBucket) throws -> Pointer? {
        guard let entry = try keyValue.getBlocking(line) else {
            state.withLock { $0.revision = 0; $0.checkpoints = [] }
            return nil
        }
        let pointer: Pointer
        do {
            pointer = try JSONDecoder().decode(Pointer.self, from: Data(entry.value))
        } catch {
            throw CheckpointProblem("\(description): the list of checkpoints could not be read (\(error))")
        }
        state.withLock { $0.revision = entry.revision; $0.checkpoints = pointer.checkpoints }
        return pointer
    }

    public func newestUsable() throws -> (checkpoint: RestoredCheckpoint?, skipped: [String]) {
        try withBuckets { keyValue, objects in
            guard let pointer = try readPointer(keyValue) else { return (nil, []) }
            var skipped: [String] = []
            var damaged = false
            for listed in pointer.checkpoints {
                let id = listed.id
                let location = "\(description)/\(id)"
                do {
                    guard let bytes = try objects.getBlocking(listed.object) else {
                        throw CheckpointProblem("\(location): the object is missing", isIncomplete: true)
                    }
                    let (checkpoint, _) = try CheckpointArchive.decode(bytes, location: location)
                    guard checkpoint.id == id else {
                        throw CheckpointProblem("\(location): the object holds checkpoint \(checkpoint.id)")
                    }
                    return (checkpoint, skipped)
                } catch let problem as CheckpointProblem {
                    skipped.append(problem.description)
                    if !problem.isIncomplete { damaged = true }
                } catch let error as NATSError {
                    if case .protocolViolation = error {
                        skipped.append("\(location): \(error)")
                        damaged = true
                    } else {
                        throw error
                    }
                }
            }
            if damaged {
                throw CheckpointProblem("no usable checkpoint in \(description): " + skipped.joined(separator: "; "))
            }
            return (nil, skipped)
        }
    }

    public func prune(keep: Int, newest: UInt64) {
        let dropped = state.withLock { state -> [String] in
            state.keep = max(1, keep)
            defer { state.dropped = [] }
            return state.dropped
        }
        guard !dropped.isEmpty else { return }
        try? withBuckets { _, objects in
            for object in dropped { try? objects.deleteBlocking(object) }
        }
    }

    deinit { state.withLock { $0.connection?.close() } }
}

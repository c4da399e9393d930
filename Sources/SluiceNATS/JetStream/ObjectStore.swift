import Foundation
import SluiceCrypto
import SluiceNetwork

/// A JetStream object store: named objects of any size, stored as chunks in the stream
/// `OBJ_<bucket>` (`$O.<bucket>.C.<id>`) with a description per name (`$O.<bucket>.M.<name>`),
/// as every NATS client lays it out. Objects are written chunk by chunk with acknowledgements
/// and become visible only when their description is written last; reading checks the size
/// and the SHA-256 digest before returning anything.
///
/// ```swift
/// let store = try await ObjectStore.create(jetStream, name: "checkpoints", replicas: 3)
/// try await store.put("alerts/p3/42", data: snapshot)
/// let restored = try await store.get("alerts/p3/42")
/// ```
public struct ObjectStore: Sendable {
    /// An object's description.
    public struct Info: Codable, Sendable, Equatable {
        /// Its name.
        public var name: String
        /// The bucket.
        public var bucket: String
        /// The id its chunks are stored under.
        public var nuid: String
        /// Its size in bytes.
        public var size: Int
        /// How many chunks it has.
        public var chunks: Int
        /// `SHA-256=<base64url digest>`.
        public var digest: String?
        /// Whether it was deleted.
        public var deleted: Bool?
    }

    /// The bucket's name.
    public let name: String
    let jetStream: JetStream
    /// Bytes per chunk.
    public static let chunkSize = 128 * 1024
    var streamName: String { "OBJ_" + name }

    init(jetStream: JetStream, name: String) {
        self.jetStream = jetStream
        self.name = name
    }

    /// Creates the bucket (or updates its settings).
    public static func create(_ jetStream: JetStream, name: String, replicas: Int = 1) async throws -> ObjectStore {
        try await BlockingCall.run { try createBlocking(jetStream, name: name, replicas: replicas) }
    }

    /// ``create(_:name:replicas:)`` blocking the calling thread.
    public static func createBlocking(_ jetStream: JetStream, name: String, replicas: Int = 1) throws -> ObjectStore {
        try KeyValueBucket.checkName(name)
        var configuration = StreamConfiguration(name: "OBJ_" + name, subjects: ["$O.\(name).C.>", "$O.\(name).M.>"])
        configuration.replicas = replicas
        configuration.discard = "new"
        configuration.allowRollup = true
        configuration.allowDirect = true
        _ = try jetStream.createStreamBlocking(configuration)
        return ObjectStore(jetStream: jetStream, name: name)
    }

    func metaSubject(_ object: String) -> String {
        let encoded = Data(object.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "$O.\(name).M.\(encoded)"
    }

    static func digestText(_ data: [UInt8]) -> String {
        "SHA-256=" + Data(SHA256.hash(data)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// Stores `data` under `object`, replacing what was there. The chunks of the object it
    /// replaces are removed once the new description is stored.
    @discardableResult public func put(_ object: String, data: [UInt8]) async throws -> Info {
        try await BlockingCall.run { try putBlocking(object, data: data) }
    }

    /// The object's description; `nil` when there is none (or it was deleted).
    public func info(_ object: String) async throws -> Info? {
        try await BlockingCall.run { try infoBlocking(object) }
    }

    /// The object's bytes; `nil` when there is none. Throws when what is stored does not match
    /// its description (size, chunk count or digest).
    public func get(_ object: String) async throws -> [UInt8]? {
        try await BlockingCall.run { try getBlocking(object) }
    }

    /// Deletes the object: its description says so and its chunks are removed.
    public func delete(_ object: String) async throws {
        try await BlockingCall.run { try deleteBlocking(object) }
    }

    /// ``put(_:data:)`` blocking the calling thread.
    @discardableResult public func putBlocking(_ object: String, data: [UInt8]) throws -> Info {
        guard !object.isEmpty else { throw NATSError.invalidArgument("an object needs a name") }
        let previous = try infoBlocking(object)
        let nuid = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var pending: [JetStream.PendingPublish] = []
        var chunks = 0
        var offset = 0
        while offset < data.count {
            let end = min(data.count, offset + Self.chunkSize)
            pending.append(try jetStream.sendPublish("$O.\(name).C.\(nuid)", payload: Array(data[offset..<end])))
            chunks += 1
            offset = end
            if pending.count == 32 {
                for publish in pending { _ = try publish.waitBlocking() }
                pending = []
            }
        }
        for publish in pending { _ = try publish.waitBlocking() }
        let info = Info(name: object, bucket: name, nuid: nuid, size: data.count, chunks: chunks, digest: Self.digestText(data), deleted: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        _ = try jetStream.publishBlocking(metaSubject(object), payload: Array(try encoder.encode(info)),
                                          headers: NATSHeaders([("Nats-Rollup", "sub")]))
        if let previous { try purgeChunks(previous.nuid) }
        return info
    }

    /// ``info(_:)`` blocking the calling thread.
    public func infoBlocking(_ object: String) throws -> Info? {
        guard let message = try jetStream.lastMessageBlocking(stream: streamName, subject: metaSubject(object)) else { return nil }
        let info: Info
        do {
            info = try JSONDecoder().decode(Info.self, from: Data(message.payload))
        } catch {
            throw NATSError.protocolViolation("the description of object '\(object)' in bucket \(name) could not be read: \(error)")
        }
        return info.deleted == true ? nil : info
    }

    /// ``get(_:)`` blocking the calling thread. Chunks are read one by one by subject and
    /// sequence, so no consumer is needed.
    public func getBlocking(_ object: String) throws -> [UInt8]? {
        guard let info = try infoBlocking(object) else { return nil }
        var data: [UInt8] = []
        data.reserveCapacity(min(max(0, info.size), 64 << 20))   // a description is not trusted with an allocation
        var received = 0
        var next: UInt64 = 1
        let subject = "$O.\(name).C.\(info.nuid)"
        while received < info.chunks, data.count <= info.size {
            guard let chunk = try jetStream.nextMessageBlocking(stream: streamName, subject: subject, from: next) else { break }
            data += chunk.payload
            received += 1
            next = chunk.sequence + 1
        }
        guard received == info.chunks else {
            throw NATSError.protocolViolation("object '\(object)' in bucket \(name) has \(received) of its \(info.chunks) chunks")
        }
        guard data.count == info.size else {
            throw NATSError.protocolViolation("object '\(object)' in bucket \(name) holds \(data.count) bytes, its description says \(info.size)")
        }
        if let digest = info.digest, digest != Self.digestText(data) {
            throw NATSError.protocolViolation("object '\(object)' in bucket \(name) does not match its SHA-256 digest")
        }
        return data
    }

    /// ``delete(_:)`` blocking the calling thread.
    public func deleteBlocking(_ object: String) throws {
        guard var info = try infoBlocking(object) else { return }
        info.deleted = true
        info.size = 0
        info.chunks = 0
        info.digest = nil
        _ = try jetStream.publishBlocking(metaSubject(object), payload: Array(try JSONEncoder().encode(info)),
                                          headers: NATSHeaders([("Nats-Rollup", "sub")]))
        try purgeChunks(info.nuid)
    }

    private func purgeChunks(_ nuid: String) throws {
        _ = try jetStream.callBlocking("STREAM.PURGE." + streamName, ObjectChunkPurge(filter: "$O.\(name).C.\(nuid)"), as: ObjectChunksPurged.self)
    }
}

/// The request that removes one object's chunks.
private struct ObjectChunkPurge: Encodable { var filter: String }
/// Its answer.
private struct ObjectChunksPurged: Decodable { var success: Bool }

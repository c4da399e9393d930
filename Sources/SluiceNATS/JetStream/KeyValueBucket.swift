import Foundation
import SluiceNetwork

/// A JetStream key-value bucket: the latest value of each key, with a revision (its stream
/// sequence) for compare-and-set. Stored as the stream `KV_<bucket>` on subjects
/// `$KV.<bucket>.<key>`, as every NATS client does, so other tools see the same bucket.
///
/// ```swift
/// let bucket = try await KeyValueBucket.create(jetStream, name: "workers", replicas: 3)
/// let revision = try await bucket.create("lease.p1", value: Array("worker-a".utf8))   // fails if held
/// _ = try await bucket.update("lease.p1", value: Array("worker-a".utf8), expecting: revision)
/// ```
public struct KeyValueBucket: Sendable {
    /// One key's latest entry.
    public struct Entry: Sendable, Equatable {
        /// The key.
        public var key: String
        /// Its value.
        public var value: [UInt8]
        /// Its revision: what ``KeyValueBucket/update(_:value:expecting:)`` compares.
        public var revision: UInt64
    }

    /// The bucket's name.
    public let name: String
    let jetStream: JetStream
    var streamName: String { "KV_" + name }

    init(jetStream: JetStream, name: String) {
        self.jetStream = jetStream
        self.name = name
    }

    /// Creates the bucket (or updates its settings), keeping `history` values per key.
    public static func create(_ jetStream: JetStream, name: String, history: Int = 1, replicas: Int = 1,
                              maximumAge: Duration? = nil) async throws -> KeyValueBucket {
        try await BlockingCall.run { try createBlocking(jetStream, name: name, history: history, replicas: replicas, maximumAge: maximumAge) }
    }

    /// ``create(_:name:history:replicas:maximumAge:)`` blocking the calling thread.
    public static func createBlocking(_ jetStream: JetStream, name: String, history: Int = 1, replicas: Int = 1,
                                      maximumAge: Duration? = nil) throws -> KeyValueBucket {
        try checkName(name)
        var configuration = StreamConfiguration(name: "KV_" + name, subjects: ["$KV.\(name).>"])
        configuration.maximumMessagesPerSubject = Int64(max(1, history))
        configuration.replicas = replicas
        configuration.discard = "new"
        configuration.allowRollup = true
        configuration.denyDelete = true
        configuration.allowDirect = true
        if let maximumAge {
            let (seconds, attoseconds) = maximumAge.components
            configuration.maximumAge = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
            configuration.duplicateWindow = min(configuration.maximumAge!, 120 * 1_000_000_000)
        }
        _ = try jetStream.createStreamBlocking(configuration)
        return KeyValueBucket(jetStream: jetStream, name: name)
    }

    /// The existing bucket `name`; throws when there is none.
    public static func open(_ jetStream: JetStream, name: String) async throws -> KeyValueBucket {
        try checkName(name)
        guard try await jetStream.streamInfo("KV_" + name) != nil else {
            throw NATSError.invalidArgument("there is no key-value bucket '\(name)' on \(jetStream.connection.server)")
        }
        return KeyValueBucket(jetStream: jetStream, name: name)
    }

    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.allSatisfy({ isWordByte($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
            throw NATSError.invalidArgument("'\(name)' is not a bucket name (letters, digits, '-' and '_')")
        }
    }

    static func checkKey(_ key: String) throws {
        let allowed = key.utf8.allSatisfy { isWordByte($0) || "-/_=.".utf8.contains($0) }
        guard !key.isEmpty, allowed, !key.hasPrefix("."), !key.hasSuffix("."), !key.contains("..") else {
            throw NATSError.invalidArgument("'\(key)' is not a key (letters, digits, '-', '/', '_', '=' and '.', not at either end)")
        }
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private func subject(_ key: String) -> String { "$KV.\(name).\(key)" }

    /// The key's latest value; `nil` when it was never set or was deleted.
    public func get(_ key: String) async throws -> Entry? { try await BlockingCall.run { try getBlocking(key) } }

    /// Sets the key whatever it holds; returns the new revision.
    @discardableResult public func put(_ key: String, value: [UInt8]) async throws -> UInt64 {
        try await BlockingCall.run { try putBlocking(key, value: value) }
    }

    /// Sets the key only when it holds nothing (never set, or deleted); returns the new
    /// revision. Throws ``KeyValueConflict`` when it holds a value.
    @discardableResult public func create(_ key: String, value: [UInt8]) async throws -> UInt64 {
        try await BlockingCall.run { try createBlocking(key, value: value) }
    }

    /// Sets the key only when its revision is still `revision`; returns the new revision.
    /// Throws ``KeyValueConflict`` when another writer changed it first.
    @discardableResult public func update(_ key: String, value: [UInt8], expecting revision: UInt64) async throws -> UInt64 {
        try await BlockingCall.run { try updateBlocking(key, value: value, expecting: revision) }
    }

    /// Deletes the key (a delete marker; its history stays until the limits remove it).
    public func delete(_ key: String, expecting revision: UInt64? = nil) async throws {
        try await BlockingCall.run { try deleteBlocking(key, expecting: revision) }
    }

    /// ``get(_:)`` blocking the calling thread.
    public func getBlocking(_ key: String) throws -> Entry? {
        try Self.checkKey(key)
        guard let message = try jetStream.lastMessageBlocking(stream: streamName, subject: subject(key)) else { return nil }
        if Self.isDeleteMarker(message) { return nil }
        return Entry(key: key, value: message.payload, revision: message.sequence)
    }

    /// ``put(_:value:)`` blocking the calling thread.
    @discardableResult public func putBlocking(_ key: String, value: [UInt8]) throws -> UInt64 {
        try Self.checkKey(key)
        return try jetStream.publishBlocking(subject(key), payload: value).sequence
    }

    /// ``create(_:value:)`` blocking the calling thread.
    @discardableResult public func createBlocking(_ key: String, value: [UInt8]) throws -> UInt64 {
        try Self.checkKey(key)
        do {
            return try publish(key, value: value, expecting: 0)
        } catch let conflict as KeyValueConflict {
            // A deleted key has a delete marker as its last message: create over it.
            guard let marker = try jetStream.lastMessageBlocking(stream: streamName, subject: subject(key)),
                  Self.isDeleteMarker(marker) else { throw conflict }
            return try publish(key, value: value, expecting: marker.sequence)
        }
    }

    /// ``update(_:value:expecting:)`` blocking the calling thread.
    @discardableResult public func updateBlocking(_ key: String, value: [UInt8], expecting revision: UInt64) throws -> UInt64 {
        try Self.checkKey(key)
        return try publish(key, value: value, expecting: revision)
    }

    /// ``delete(_:expecting:)`` blocking the calling thread.
    public func deleteBlocking(_ key: String, expecting revision: UInt64? = nil) throws {
        try Self.checkKey(key)
        var headers = NATSHeaders([("KV-Operation", "DEL")])
        if let revision { headers.append("Nats-Expected-Last-Subject-Sequence", String(revision)) }
        do {
            _ = try jetStream.publishBlocking(subject(key), payload: [], headers: headers)
        } catch let error as JetStreamAPIError where error.errorCode == 10071 {
            throw KeyValueConflict(bucket: name, key: key, detail: error.errorDescription ?? "")
        }
    }

    static func isDeleteMarker(_ message: StoredMessage) -> Bool {
        guard let operation = message.headers?["KV-Operation"] else { return false }
        return operation == "DEL" || operation == "PURGE"
    }

    private func publish(_ key: String, value: [UInt8], expecting revision: UInt64) throws -> UInt64 {
        let headers = NATSHeaders([("Nats-Expected-Last-Subject-Sequence", String(revision))])
        do {
            return try jetStream.publishBlocking(subject(key), payload: value, headers: headers).sequence
        } catch let error as JetStreamAPIError where error.errorCode == 10071 {
            throw KeyValueConflict(bucket: name, key: key, detail: error.errorDescription ?? "")
        }
    }

    /// Every key's latest entry whose key matches `filter` (`>` for all, `lease.*`), deleted
    /// keys left out. Read through a consumer of each subject's last message.
    public func entries(matching filter: String = ">") async throws -> [Entry] {
        try await BlockingCall.run { try entriesBlocking(matching: filter) }
    }

    /// ``entries(matching:)`` blocking the calling thread.
    public func entriesBlocking(matching filter: String = ">") throws -> [Entry] {
        var configuration = ConsumerConfiguration(deliverPolicy: "last_per_subject", ackPolicy: "none")
        configuration.filterSubject = "$KV.\(name).\(filter)"
        configuration.inactiveThreshold = 30 * 1_000_000_000
        configuration.memoryStorage = true
        configuration.replicas = 1
        let consumer = try jetStream.createConsumerBlocking(stream: streamName, configuration)
        var remaining = consumer.pending
        var entries: [String: Entry] = [:]
        let pull = try JetStreamPull(jetStream, stream: streamName, consumer: consumer.name)
        defer { pull.close() }
        let prefix = "$KV.\(name)."
        while remaining > 0 {
            let batch = try pull.fetchBlocking(batch: Int(min(remaining, 256)), expires: 1)
            if batch.isEmpty { break }
            for message in batch {
                remaining -= 1
                let key = String(message.subject.dropFirst(prefix.count))
                if let operation = message.headers?["KV-Operation"], operation == "DEL" || operation == "PURGE" {
                    entries[key] = nil
                } else {
                    entries[key] = Entry(key: key, value: message.payload, revision: message.sequence)
                }
            }
        }
        try? jetStream.deleteConsumerBlocking(stream: streamName, name: consumer.name)
        return entries.values.sorted { $0.key < $1.key }
    }
}

/// A compare-and-set on a key-value bucket lost: the key changed (or was created) since the
/// revision given.
public struct KeyValueConflict: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bucket.
    public var bucket: String
    /// The key.
    public var key: String
    /// What the server said.
    public var detail: String
    public var description: String { "key '\(key)' of bucket '\(bucket)' changed since the revision given (\(detail))" }
}

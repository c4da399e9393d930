/// A JetStream stream's settings, as the API takes and returns them. Fields left `nil` take
/// the server's defaults; durations are in nanoseconds, as on the wire.
///
/// ```swift
/// var configuration = StreamConfiguration(name: "READINGS", subjects: ["readings.>"])
/// configuration.replicas = 3
/// configuration.duplicateWindow = 10 * 60 * 1_000_000_000   // ten minutes
/// ```
public struct StreamConfiguration: Codable, Sendable, Equatable {
    /// The stream's name (no spaces, dots, `*` or `>`).
    public var name: String
    /// The subjects it stores.
    public var subjects: [String]?
    /// `limits` (the default), `interest` or `workqueue`.
    public var retention: String?
    /// `file` (the default) or `memory`.
    public var storage: String?
    /// How many servers keep a copy (1, 3 or 5).
    public var replicas: Int?
    /// How long message ids are remembered for de-duplication, in nanoseconds (the server's
    /// default is two minutes).
    public var duplicateWindow: Int64?
    /// The most messages kept (-1: no limit).
    public var maximumMessages: Int64?
    /// The most bytes kept (-1: no limit).
    public var maximumBytes: Int64?
    /// The oldest message kept, in nanoseconds (0: no limit).
    public var maximumAge: Int64?
    /// The largest message taken, in bytes.
    public var maximumMessageSize: Int32?
    /// The most messages kept per subject (the key-value store keeps its history this way).
    public var maximumMessagesPerSubject: Int64?
    /// `old` (drop the oldest when full, the default) or `new` (refuse new messages).
    public var discard: String?
    /// Whether any server with a copy may answer direct gets.
    public var allowDirect: Bool?
    /// Whether a message with `Nats-Rollup` replaces the subject's earlier ones.
    public var allowRollup: Bool?
    /// Whether deleting messages is refused.
    public var denyDelete: Bool?

    enum CodingKeys: String, CodingKey {
        case name, subjects, retention, storage, replicas = "num_replicas", duplicateWindow = "duplicate_window"
        case maximumMessages = "max_msgs", maximumBytes = "max_bytes", maximumAge = "max_age"
        case maximumMessageSize = "max_msg_size", maximumMessagesPerSubject = "max_msgs_per_subject", discard
        case allowDirect = "allow_direct", allowRollup = "allow_rollup_hdrs", denyDelete = "deny_delete"
    }

    /// A stream named `name` storing `subjects`, with the server's defaults otherwise.
    public init(name: String, subjects: [String]) {
        self.name = name
        self.subjects = subjects
    }
}

/// What the server reports about a stream.
public struct StreamInfo: Decodable, Sendable, Equatable {
    /// Its settings, with the server's defaults filled in.
    public var configuration: StreamConfiguration
    /// What it holds.
    public var state: StreamState
    /// Its replicas, in a cluster.
    public var cluster: ClusterInfo?

    enum CodingKeys: String, CodingKey { case configuration = "config", state, cluster }
}

/// A stream's contents: counts and the range of sequences.
public struct StreamState: Decodable, Sendable, Equatable {
    /// Messages held.
    public var messages: UInt64
    /// Bytes held.
    public var bytes: UInt64
    /// The first sequence held (0 when empty).
    public var firstSequence: UInt64
    /// The last sequence ever stored (it stays when messages are removed).
    public var lastSequence: UInt64
    /// Consumers of the stream.
    public var consumers: Int

    enum CodingKeys: String, CodingKey {
        case messages, bytes, firstSequence = "first_seq", lastSequence = "last_seq", consumers = "consumer_count"
    }
}

/// Where a stream's or consumer's copies live in a cluster.
public struct ClusterInfo: Decodable, Sendable, Equatable {
    /// The cluster's name.
    public var name: String?
    /// The server holding the leader copy.
    public var leader: String?
}

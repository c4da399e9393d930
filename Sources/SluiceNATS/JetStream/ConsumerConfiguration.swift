import Foundation

/// A JetStream consumer's settings, as the API takes them. Sluice's source uses ephemeral pull
/// consumers without acknowledgements (`ack_policy: none`) that start where its checkpoint
/// says: its position is its own, not the consumer's.
public struct ConsumerConfiguration: Codable, Sendable, Equatable {
    /// The consumer's name (an ephemeral one is named by the server when `nil`).
    public var name: String?
    /// A durable consumer's name: it outlives its clients.
    public var durableName: String?
    /// Where it starts: `all`, `last`, `new`, `by_start_sequence`, `by_start_time`,
    /// `last_per_subject`.
    public var deliverPolicy: String
    /// The first sequence, for `by_start_sequence`.
    public var startSequence: UInt64?
    /// The first time, for `by_start_time` (RFC 3339).
    public var startTime: String?
    /// `none`, `all` or `explicit`.
    public var ackPolicy: String
    /// One subject filter.
    public var filterSubject: String?
    /// Several subject filters.
    public var filterSubjects: [String]?
    /// `instant`.
    public var replayPolicy: String?
    /// How long an unused consumer lives, in nanoseconds.
    public var inactiveThreshold: Int64?
    /// Whether its state is kept in memory only.
    public var memoryStorage: Bool?
    /// Copies of its state (0 or `nil`: as the stream).
    public var replicas: Int?
    /// The most pull requests waiting at once.
    public var maximumWaiting: Int?

    enum CodingKeys: String, CodingKey {
        case name, durableName = "durable_name", deliverPolicy = "deliver_policy", startSequence = "opt_start_seq"
        case startTime = "opt_start_time", ackPolicy = "ack_policy", filterSubject = "filter_subject"
        case filterSubjects = "filter_subjects", replayPolicy = "replay_policy", inactiveThreshold = "inactive_threshold"
        case memoryStorage = "mem_storage", replicas = "num_replicas", maximumWaiting = "max_waiting"
    }

    /// A configuration delivering from `deliverPolicy` with `ackPolicy`.
    public init(deliverPolicy: String = "all", ackPolicy: String = "none") {
        self.deliverPolicy = deliverPolicy
        self.ackPolicy = ackPolicy
    }
}

/// What the server reports about a consumer.
public struct ConsumerInfo: Decodable, Sendable, Equatable {
    /// The stream it reads.
    public var stream: String
    /// Its name.
    public var name: String
    /// Messages matching its filter not yet delivered.
    public var pending: UInt64

    enum CodingKeys: String, CodingKey { case stream = "stream_name", name, pending = "num_pending" }
}

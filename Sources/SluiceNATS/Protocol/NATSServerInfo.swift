/// What the server says about itself in `INFO` when a client connects (and again when the
/// cluster changes).
public struct NATSServerInfo: Decodable, Sendable, Equatable {
    /// The server's unique ID.
    public var serverID: String
    /// The server's name.
    public var serverName: String?
    /// Its version, `2.15.1`.
    public var version: String
    /// Whether it takes messages with headers (HPUB).
    public var headers: Bool
    /// The largest payload it accepts, in bytes.
    public var maximumPayload: Int
    /// Whether it requires a user and password or a token.
    public var authenticationRequired: Bool
    /// Whether JetStream is enabled.
    public var jetStream: Bool
    /// Other servers of its cluster that clients may connect to, as `host:port`.
    public var connectURLs: [String]

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id", serverName = "server_name", version, headers
        case maximumPayload = "max_payload", authenticationRequired = "auth_required", jetStream = "jetstream"
        case connectURLs = "connect_urls"
    }

    /// Decodes the fields, with defaults for the optional ones.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serverID = try container.decode(String.self, forKey: .serverID)
        serverName = try container.decodeIfPresent(String.self, forKey: .serverName)
        version = try container.decode(String.self, forKey: .version)
        headers = try container.decodeIfPresent(Bool.self, forKey: .headers) ?? false
        maximumPayload = try container.decode(Int.self, forKey: .maximumPayload)
        authenticationRequired = try container.decodeIfPresent(Bool.self, forKey: .authenticationRequired) ?? false
        jetStream = try container.decodeIfPresent(Bool.self, forKey: .jetStream) ?? false
        connectURLs = try container.decodeIfPresent([String].self, forKey: .connectURLs) ?? []
    }
}

/// An error JetStream's API answered with: its HTTP-like code, JetStream's own error code
/// (`10059` stream not found, `10014` consumer not found, `10037` no message found, …) and
/// the server's description.
public struct JetStreamAPIError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP-like status (400, 404, 503, …).
    public var code: Int
    /// JetStream's error code.
    public var errorCode: Int?
    /// What the server said.
    public var errorDescription: String?
    /// The API subject the request went to (set by the client, not the server).
    public var api: String?

    enum CodingKeys: String, CodingKey {
        case code, errorCode = "err_code", errorDescription = "description", api
    }

    /// Stream not found.
    public static let streamNotFound = 10059
    /// Consumer not found.
    public static let consumerNotFound = 10014
    /// No message found (at that sequence, or for that subject).
    public static let noMessageFound = 10037

    public var description: String {
        "JetStream API error \(code)\(errorCode.map { " (\($0))" } ?? "") on \(api ?? "?"): \(errorDescription ?? "no description")"
    }
}

/// The error member every JetStream API answer may carry.
struct JetStreamErrorEnvelope: Decodable {
    var error: JetStreamAPIError?
}

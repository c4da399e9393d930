/// A message delivered to a subscription.
public struct NATSMessage: Sendable, Equatable {
    /// The subject it was published to.
    public var subject: String
    /// Where an answer goes, if the publisher asked for one.
    public var replyTo: String?
    /// Its headers, if it has any.
    public var headers: NATSHeaders?
    /// Its payload.
    public var payload: [UInt8]

    /// A message.
    public init(subject: String, replyTo: String? = nil, headers: NATSHeaders? = nil, payload: [UInt8]) {
        self.subject = subject
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
    }

    /// The status code of a message with no payload that reports on a request (JetStream's
    /// `404`, `408`, `409`; `503` when nobody answers a request).
    public var status: Int? { headers?.status }
}

/// A failure of the NATS client. Messages name the server's address and the subject, never a
/// password or token.
public enum NATSError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No server of the configuration could be reached, or the connection was lost.
    case connectionFailed(String)
    /// The server refused the login.
    case authenticationFailed(String)
    /// The server broke the protocol (a malformed or oversized operation).
    case protocolViolation(String)
    /// The server reported an error (`-ERR`).
    case serverError(String)
    /// No answer within the time allowed.
    case timeout(String)
    /// Nobody subscribes to a request's subject (status 503).
    case noResponders(String)
    /// A subscription's buffer overflowed: its reader fell behind the server.
    case slowConsumer(String)
    /// An argument the protocol cannot carry (a subject with a space, say).
    case invalidArgument(String)
    /// The connection was closed by this process.
    case closed

    public var description: String {
        switch self {
        case .connectionFailed(let text): return "NATS connection failed: \(text)"
        case .authenticationFailed(let text): return "NATS authentication failed: \(text)"
        case .protocolViolation(let text): return "NATS protocol violation: \(text)"
        case .serverError(let text): return "NATS server error: \(text)"
        case .timeout(let text): return "NATS timeout: \(text)"
        case .noResponders(let text): return "NATS: no responders for \(text)"
        case .slowConsumer(let text): return "NATS slow consumer: \(text)"
        case .invalidArgument(let text): return "NATS: \(text)"
        case .closed: return "NATS connection closed"
        }
    }
}

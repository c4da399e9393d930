/// A message that breaks PostgreSQL's protocol: one the client cannot send, or a reply from the
/// server that is cut short, too long or malformed. The connection cannot go on after it.
public struct PostgresProtocolError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was wrong.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

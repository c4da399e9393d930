/// The connection could not be made or was lost: the server cannot be reached, refused the
/// login, or stopped answering. Never contains the password.
public struct PostgresConnectionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What happened.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

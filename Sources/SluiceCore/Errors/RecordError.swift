/// One record could not be read, decoded or processed.
///
/// Record errors are handled by the stage's ``ErrorPolicy``: they fail the run, are skipped
/// and counted, or go to the dead-letter sink with the raw input.
public struct RecordError: Error, Sendable, CustomStringConvertible {
    /// Where the record came from, when known.
    public var location: SourceLocation?
    /// What was wrong, in words.
    public var message: String

    /// Creates an error at `location`.
    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    /// `file:line, field 'x': message`.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}

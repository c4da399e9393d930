/// When a change stream ends.
public enum PostgresChangeEnd: Sendable, Equatable {
    /// Never: the source streams until the run is stopped.
    case never
    /// Once every transaction committed before the run started is processed: a micro-batch
    /// that catches up and stops.
    case currentLogEnd
}

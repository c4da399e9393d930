/// What a bounded file source does, on a run resumed after a completed one, with data
/// appended to files it had read to their end.
public enum AppendedData: Sendable, Hashable {
    /// Reads it, from where the earlier run ended: each record once (the default).
    case read
    /// Leaves it unread, and says so in a warning naming each file and how much it grew.
    case ignore
}

extension SourceStage {
    /// Chooses whether a resumed run reads what was appended to files an earlier run read to
    /// their end; see ``AppendedData``.
    @inlinable public func appendedData(_ policy: AppendedData) -> Self {
        var copy = self
        copy.settings.appendedData = policy
        return copy
    }
}

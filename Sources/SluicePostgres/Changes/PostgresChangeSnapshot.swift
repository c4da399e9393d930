/// Whether a change source first reads the tables as they are.
public enum PostgresChangeSnapshot: String, Sendable, Codable, Equatable {
    /// On its first start, read a consistent snapshot of the tables (as inserts marked
    /// ``Change/isSnapshotRead``), then stream the changes committed after it: no change is
    /// missed between the two, and none is delivered twice.
    case initial
    /// Only stream the changes committed from the slot's position on.
    case never
    /// Read the snapshot and stop, without a slot: a one-off consistent copy.
    case initialOnly
}

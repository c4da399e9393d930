/// What one checkpoint of a ``PostgresSink`` instance staged, and how to merge it: saved in
/// the checkpoint (no password: the sink connects with its own settings).
public struct PostgresSinkTransaction: Codable, Sendable, Equatable {
    /// The pipeline and sink names, as the commits table records them.
    public var pipeline: String, sink: String
    /// The writer's run (a UUID) and segment: the staged rows' tag, and the commit's identity.
    public var attempt: String, segment: Int64
    /// The checkpoint's number, `nil` for the final one or a run without checkpoints.
    public var checkpoint: Int64?
    /// The target and staging tables, quoted.
    public var table: String, staging: String
    /// The columns the rows give.
    public var columns: [String]
    /// How the rows merge.
    public var mode: PostgresSinkMode
    /// Set when the rows are changes to apply (``PostgresChangeSink``): the columns some
    /// change did not send a value for.
    public var appliedChanges: AppliedChanges?

    /// What a transaction of changes needs to be merged.
    public struct AppliedChanges: Codable, Sendable, Equatable {
        /// Columns whose value some staged change did not send.
        public var unchangedColumns: [String]
    }
}

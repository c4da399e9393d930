/// The role a stage plays in the graph.
public enum StageKind: String, Sendable, Hashable {
    /// Produces elements; has no input.
    case source
    /// Turns input elements into output elements.
    case transform
    /// Consumes elements; has no output.
    case sink
}

/// Options every stage has, set with modifiers such as ``Stage/parallelism(_:)``.
public struct StageSettings: Sendable, Hashable {
    /// A name chosen by the user; it must be unique in the pipeline.
    public var name: String?
    /// How many instances run side by side.
    public var parallelism: Int = 1
    /// What happens to a record the stage cannot process.
    public var errorPolicy: ErrorPolicy = .fail
    /// How many records the stage may reject before the run fails; `nil` for no limit.
    public var errorBudget: ErrorBudget?
    /// For file sources: whether a resumed run reads data appended to files already read.
    public var appendedData: AppendedData = .read

    /// Default settings: one instance, failing on the first bad record.
    public init() {}
}

/// What a stage instance learns about its place in the run when it is created.
public struct StageContext: Sendable {
    /// The pipeline's name: with the stage's, what names the stage's state outside the run
    /// (a database sink's commit records).
    public var pipelineName: String = "pipeline"
    /// The stage's unique name in the pipeline.
    public var stageName: String
    /// This instance's index, `0..<parallelism`.
    public var instance: Int
    /// How many instances of the stage run.
    public var parallelism: Int
    /// The preferred number of elements per chunk.
    public var chunkSize: Int
    /// The run's processing-time clock, for sources that poll or pace themselves.
    public var clock: any ProcessingClock
    /// Whether the pipeline routes the stage's late events to a side output; when not, they
    /// become dead letters.
    public var routesLateEvents: Bool
    /// Whether the run takes checkpoints: transactional sinks then publish at each checkpoint
    /// instead of at the end.
    public var isCheckpointed: Bool
    /// The positions of the newest committed checkpoint, for a source that lets go of data
    /// upstream only once it is safe (`nil` without checkpoints).
    public var committedPositions: CommittedPositions?
    /// Where the stage reports something the user should know that is not an error (the
    /// run's ``RunOptions/warning``).
    public var warning: @Sendable (String) -> Void
    /// Where the stage reports a measure of its state as it changes — a replication slot's
    /// lag in bytes, a queue's depth — by a name that says its unit (`slot lag (bytes)`). The
    /// newest value of each instance is shown, summed over instances, in the run's progress
    /// line (``RunOptions/progress``) and report.
    public var gauge: @Sendable (_ name: String, _ value: Int) -> Void = { _, _ in }
    /// What the stage's instances share during this run (see ``InstanceSharedState``).
    public var shared = InstanceSharedState()
    /// The partition of a partitioned input this run processes, when a cluster divides the
    /// partitions among processes (a JetStream source then reads only its subjects); `nil`
    /// when the run reads every partition.
    public var partition: Int?

    /// Creates a context.
    public init(stageName: String, instance: Int = 0, parallelism: Int = 1, chunkSize: Int = 1024,
                clock: any ProcessingClock = SystemClock(), routesLateEvents: Bool = false, isCheckpointed: Bool = false,
                warning: @escaping @Sendable (String) -> Void = { _ in }) {
        self.stageName = stageName
        self.warning = warning
        self.routesLateEvents = routesLateEvents
        self.isCheckpointed = isCheckpointed
        self.instance = instance
        self.parallelism = parallelism
        self.chunkSize = chunkSize
        self.clock = clock
    }
}

/// What every stage has: a name, settings, and the modifiers that change them.
///
/// Do not conform to `Stage` directly: conform to ``SourceStage``, ``TransformStage`` or
/// ``SinkStage``, which add the part that does the work.
public protocol Stage<Input, Output>: PipelineComponent {
    /// The name used when the user gives none, such as `map` or `csv orders.csv`.
    var defaultName: String { get }
    /// A short text shown in descriptions and graph exports (file path, options).
    var detail: String { get }
    /// Settings changed by the modifiers. Store it as `public var settings = StageSettings()`.
    var settings: StageSettings { get set }
    /// The largest parallelism this stage supports; `nil` when unlimited. A file sink that
    /// writes one file returns 1.
    var maximumParallelism: Int? { get }
}

extension Stage {
    /// No detail.
    public var detail: String { "" }
    /// No limit.
    public var maximumParallelism: Int? { nil }

    /// Names the stage. Names appear in reports, errors and dead letters and must be unique.
    @inlinable public func named(_ name: String) -> Self {
        var copy = self
        copy.settings.name = name
        return copy
    }

    /// Runs `count` instances of the stage side by side.
    ///
    /// After ``KeyBy`` every key reaches the same instance; otherwise chunks are spread over
    /// the instances in turn.
    @inlinable public func parallelism(_ count: Int) -> Self {
        var copy = self
        copy.settings.parallelism = count
        return copy
    }

    /// Chooses what happens to a record this stage cannot process.
    @inlinable public func onError(_ policy: ErrorPolicy) -> Self {
        var copy = self
        copy.settings.errorPolicy = policy
        return copy
    }

    /// Fails the run when the stage rejects (skips or dead-letters) more records than
    /// `budget` allows; see ``ErrorBudget``.
    @inlinable public func errorBudget(_ budget: ErrorBudget) -> Self {
        var copy = self
        copy.settings.errorBudget = budget
        return copy
    }
}

import SluiceCore

/// A pipeline could not run or stopped with an error.
public struct PipelineRunError: Error, CustomStringConvertible {
    /// Why the run failed.
    public enum Reason: Sendable {
        /// The pipeline's declaration has problems; nothing ran.
        case invalidPipeline([String])
        /// A stage threw; all other stages were cancelled.
        case stageFailed(stage: String, error: any Error)
        /// The run could not resume from its checkpoints; nothing ran.
        case cannotRestore([String])
    }

    /// The pipeline's name.
    public var pipeline: String
    /// Why it failed.
    public var reason: Reason
    /// Counts up to the failure.
    public var report: RunReport?

    /// The failing stage's name, when a stage failed.
    public var stage: String? {
        if case .stageFailed(let stage, _) = reason { return stage }
        return nil
    }

    /// The error the stage threw, when a stage failed.
    public var underlyingError: (any Error)? {
        if case .stageFailed(_, let error) = reason { return error }
        return nil
    }

    public var description: String {
        switch reason {
        case .invalidPipeline(let problems):
            return "pipeline '\(pipeline)' is invalid:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        case .stageFailed(let stage, let error):
            return "pipeline '\(pipeline)' failed in stage '\(stage)': \(error)"
        case .cannotRestore(let problems):
            return "pipeline '\(pipeline)' cannot resume from its checkpoints:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
        }
    }
}

/// An error thrown inside a stage, tagged with the stage's name on its way out of the task.
struct StageFailure: Error {
    let stage: String
    let error: any Error
}

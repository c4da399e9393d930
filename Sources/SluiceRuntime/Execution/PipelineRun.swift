import SluiceCore

extension Pipeline {
    /// Runs the pipeline to completion and reports what every stage did.
    ///
    /// Each chain of fused stages runs as a child task of one task group; chunks travel over
    /// bounded channels, so a slow sink suspends the stages upstream instead of letting memory
    /// grow. If a stage throws, every other stage is cancelled, sinks discard their partial
    /// output, and the call throws a ``PipelineRunError`` naming the stage. Cancelling the
    /// calling task stops every stage and throws `CancellationError`.
    ///
    /// ```swift
    /// let report = try await pipeline.run()
    /// print(report)
    /// ```
    public func run(options: RunOptions = RunOptions()) async throws -> RunReport {
        var problems = validate()
        if options.chunkSize < 1 { problems.append("chunk size must be at least 1, not \(options.chunkSize)") }
        if options.channelCapacity < 1 { problems.append("channel capacity must be at least 1, not \(options.channelCapacity)") }
        guard problems.isEmpty else {
            throw PipelineRunError(pipeline: name, reason: .invalidPipeline(problems), report: nil)
        }

        let execution = PipelineExecution(graph: graph, options: options)
        let start = ContinuousClock.now
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            for chain in execution.plan.chains {
                for instance in 0..<chain.parallelism {
                    group.addTask {
                        do {
                            try await ChainRunner(run: execution, chain: chain, instance: instance).runToCompletion()
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
            }
            var rootCause: (any Error)?
            for await error in group {
                guard let error else { continue }
                if rootCause == nil || (!(rootCause is StageFailure) && error is StageFailure) {
                    rootCause = error
                }
                group.cancelAll()
                execution.failAllChannels()
            }
            return rootCause
        }
        let report = RunReport(pipeline: name, stages: execution.metrics.map(\.snapshot),
                               wallTime: ContinuousClock.now - start,
                               deadLetters: execution.deadLetterStore.all)
        guard let failure else { return report }
        if let stageFailure = failure as? StageFailure {
            throw PipelineRunError(pipeline: name, reason: .stageFailed(stage: stageFailure.stage, error: stageFailure.error),
                                   report: report)
        }
        throw CancellationError()
    }
}

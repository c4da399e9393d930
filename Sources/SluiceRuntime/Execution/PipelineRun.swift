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
    ///
    /// With `checkpoints`, the run takes exactly-once checkpoints and first resumes from the
    /// newest complete one in the policy's directory, if any; see ``CheckpointPolicy``. With
    /// `restart`, a stage failure runs the pipeline again (from the newest checkpoint) instead
    /// of ending the run; the report lists the failures it recovered from.
    public func run(options: RunOptions = RunOptions(), checkpoints: CheckpointPolicy? = nil,
                    restart: RestartStrategy = .none) async throws -> RunReport {
        var recovered: [String] = []
        while true {
            do {
                var report = try await runOnce(options: options, checkpoints: checkpoints)
                report.restarts = recovered
                return report
            } catch let error as PipelineRunError {
                guard case .stageFailed = error.reason, recovered.count < restart.maxAttempts else { throw error }
                recovered.append(error.description)
                let clock = options.clock
                try await clock.sleep(until: clock.now.advanced(by: restart.delay(beforeRestart: recovered.count)))
            }
        }
    }

    /// One attempt of ``run(options:checkpoints:restart:)``.
    func runOnce(options: RunOptions, checkpoints: CheckpointPolicy?) async throws -> RunReport {
        var problems = validate()
        if options.chunkSize < 1 { problems.append("chunk size must be at least 1, not \(options.chunkSize)") }
        if options.channelCapacity < 1 { problems.append("channel capacity must be at least 1, not \(options.channelCapacity)") }
        guard problems.isEmpty else {
            throw PipelineRunError(pipeline: name, reason: .invalidPipeline(problems), report: nil)
        }

        let plan = PhysicalPlan(graph: graph)
        var coordinator: CheckpointCoordinator?
        var restored: RestoredCheckpoint?
        if let checkpoints {
            let resumed = try resume(from: checkpoints)
            restored = resumed.checkpoint
            coordinator = CheckpointCoordinator(policy: checkpoints, pipeline: name, graph: graph, plan: plan,
                                                restoredID: restored?.id, skipped: resumed.skipped)
        }
        let execution = PipelineExecution(graph: graph, plan: plan, options: options,
                                          checkpoints: coordinator, restored: restored)
        let start = ContinuousClock.now
        let chainTasks = plan.chains.reduce(0) { $0 + $1.parallelism }
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            if let coordinator, let checkpoints {
                let clock = options.clock
                group.addTask {
                    // Ends when cancelled, once every chain is done.
                    while !Task.isCancelled {
                        do {
                            try await clock.sleep(until: clock.now.advanced(by: checkpoints.interval))
                        } catch {
                            return nil
                        }
                        coordinator.trigger()
                    }
                    return nil
                }
            }
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
            var finished = 0
            for await error in group {
                finished += 1
                // Every chain is done: stop the checkpoint trigger.
                if finished == chainTasks, coordinator != nil { group.cancelAll() }
                guard let error else { continue }
                if rootCause == nil || (!(rootCause is StageFailure) && error is StageFailure) {
                    rootCause = error
                }
                group.cancelAll()
                execution.failAllChannels()
            }
            return rootCause
        }
        var report = RunReport(pipeline: name, stages: execution.metrics.map(\.snapshot),
                               wallTime: ContinuousClock.now - start,
                               deadLetters: execution.deadLetterStore.all)
        report.checkpoints = coordinator?.statistics
        guard let failure else { return report }
        if let stageFailure = failure as? StageFailure {
            throw PipelineRunError(pipeline: name, reason: .stageFailed(stage: stageFailure.stage, error: stageFailure.error),
                                   report: report)
        }
        throw CancellationError()
    }
}

extension Pipeline {
    /// Finds the checkpoint to resume from, checks that it fits this pipeline, and publishes
    /// what its sinks pre-committed (again, harmlessly, if that already happened).
    func resume(from policy: CheckpointPolicy) throws -> (checkpoint: RestoredCheckpoint?, skipped: [String]) {
        let found: (checkpoint: RestoredCheckpoint?, skipped: [String])
        do {
            found = try CheckpointStore(directory: policy.directory).newestUsable()
        } catch {
            throw PipelineRunError(pipeline: name, reason: .cannotRestore(["\(error)"]), report: nil)
        }
        guard let checkpoint = found.checkpoint else { return found }
        var problems: [String] = []
        let stages = Dictionary(graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for stage in Set(checkpoint.parts.map(\.stage)).sorted() where stages[stage] == nil && !policy.allowDroppingState.contains(stage) {
            problems.append("checkpoint \(checkpoint.id) (\(checkpoint.directory)) has state for stage '\(stage)', which this pipeline does not have; rename the stage back, or allow dropping its state with allowDroppingState: [\"\(stage)\"]")
        }
        guard problems.isEmpty else {
            throw PipelineRunError(pipeline: name, reason: .cannotRestore(problems), report: nil)
        }
        for part in checkpoint.parts where part.kind == .transaction {
            guard let commit = stages[part.stage]?.transactionCommitter else { continue }
            do {
                try commit(part.bytes)
            } catch {
                throw PipelineRunError(pipeline: name, reason: .cannotRestore(
                    ["publishing what sink '\(part.stage)' pre-committed in checkpoint \(checkpoint.id) failed: \(error)"]), report: nil)
            }
        }
        return found
    }
}

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
    ///
    /// `stop` ends the run gracefully when pulled: with checkpoints, at a savepoint (see
    /// ``StopHandle``).
    @discardableResult
    public func run(options: RunOptions = RunOptions(), checkpoints: CheckpointPolicy? = nil,
                    restart: RestartStrategy = .none, stop: StopHandle? = nil) async throws -> RunReport {
        var recovered: [String] = []
        while true {
            do {
                var report = try await runOnce(options: options, checkpoints: checkpoints, stop: stop)
                report.restarts = recovered
                return report
            } catch let error as PipelineRunError {
                guard case .stageFailed = error.reason, recovered.count < restart.maxAttempts,
                      stop?.isStopRequested != true else { throw error }
                recovered.append(error.description)
                let clock = options.clock
                try await clock.sleep(until: clock.now.advanced(by: restart.delay(beforeRestart: recovered.count)))
            }
        }
    }

    /// One attempt of ``run(options:checkpoints:restart:)``.
    func runOnce(options: RunOptions, checkpoints: CheckpointPolicy?, stop: StopHandle?) async throws -> RunReport {
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
            for problem in resumed.skipped {
                let fallback = restored.map { "resuming from checkpoint \($0.id)" } ?? "no older checkpoint, starting from the beginning"
                options.warning("pipeline '\(name)': skipped a checkpoint on restore: \(problem); \(fallback)")
            }
            coordinator = CheckpointCoordinator(policy: checkpoints, pipeline: name, graph: graph, plan: plan,
                                                restoredID: restored?.id, skipped: resumed.skipped)
            // The restored checkpoint is durable and was committed (again) on restore.
            if let restored {
                for part in restored.parts where part.kind == .position {
                    coordinator?.committedPositions.publish(checkpoint: restored.id, stage: part.stage, instance: part.instance, position: part.bytes)
                }
            }
        }
        let execution = PipelineExecution(graph: graph, plan: plan, options: options, pipelineName: name,
                                          checkpoints: coordinator, restored: restored)
        let start = ContinuousClock.now
        let chainTasks = plan.chains.reduce(0) { $0 + $1.parallelism }
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            if let stop {
                if let coordinator {
                    stop.onStop { coordinator.requestSavepoint() }
                    group.addTask {
                        // Once the savepoint is published, the rest of the run is dropped.
                        guard let id = await coordinator.savepointCompleted() else { return nil }
                        return StopAtSavepoint(savepoint: id)
                    }
                } else {
                    group.addTask {
                        // Without checkpoints a stop is a cancellation; this watcher ends with the run.
                        while !Task.isCancelled {
                            if stop.isStopRequested { return StopAtSavepoint(savepoint: nil) }
                            do { try await Task.sleep(for: .milliseconds(20)) } catch { return nil }
                        }
                        return nil
                    }
                }
            }
            let metrics = execution.metrics
            let progressNow: @Sendable () -> RunProgress = {
                var progress = RunProgress(
                    recordsRead: metrics.filter { $0.kind == .source }.reduce(0) { $0 + $1.recordsOut.load(ordering: .relaxed) },
                    recordsWritten: metrics.filter { $0.kind == .sink }.reduce(0) { $0 + $1.recordsOut.load(ordering: .relaxed) },
                    elapsed: ContinuousClock.now - start)
                for stage in metrics {
                    let gauges = stage.gauges
                    if !gauges.isEmpty { progress.gauges[stage.name] = gauges }
                }
                return progress
            }
            if let progress = options.progress {
                let interval = options.progressInterval
                group.addTask {
                    // Ends when cancelled, once every chain is done.
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval) } catch { return nil }
                        progress(progressNow())
                    }
                    return nil
                }
            }
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
            var stopped = false
            for await error in group {
                if let stop = error as? StopAtSavepoint {
                    stopped = true
                    rootCause = stop
                    group.cancelAll()
                    execution.failAllChannels()
                    continue
                }
                if stopped { continue }
                finished += 1
                // Every chain is done: stop the checkpoint trigger, the stop watcher and the
                // progress reporter.
                if finished == chainTasks { group.cancelAll() }
                guard let error else { continue }
                if rootCause == nil || (!(rootCause is StageFailure) && error is StageFailure) {
                    rootCause = error
                }
                group.cancelAll()
                execution.failAllChannels()
            }
            // One last report with the final figures, so a progress line does not end stale.
            if let progress = options.progress {
                progress(progressNow())
            }
            return rootCause
        }
        var report = RunReport(pipeline: name, stages: execution.metrics.map(\.snapshot),
                               wallTime: ContinuousClock.now - start,
                               deadLetters: execution.deadLetterStore.all)
        report.checkpoints = coordinator?.statistics
        if coordinator != nil { report.sinceFirstStart = Self.totals(of: report.stages, after: restored) }
        report.stoppedAtSavepoint = (failure as? StopAtSavepoint)?.savepoint
        if let stopped = failure as? StopAtSavepoint, stopped.savepoint == nil { throw CancellationError() }
        guard let failure, !(failure is StopAtSavepoint) else { return report }
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
            found = try policy.storage.newestUsable()
        } catch {
            throw PipelineRunError(pipeline: name, reason: .cannotRestore(["\(error)"]), report: nil)
        }
        guard let checkpoint = found.checkpoint else { return found }
        var problems: [String] = []
        let stages = Dictionary(graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for stage in Set(checkpoint.parts.filter { $0.kind != .counters }.map(\.stage)).sorted()
        where stages[stage] == nil && !policy.allowDroppingState.contains(stage) {
            problems.append("checkpoint \(checkpoint.id) (\(checkpoint.location)) has state for stage '\(stage)', which this pipeline does not have; rename the stage back, or allow dropping its state with allowDroppingState: [\"\(stage)\"]")
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

/// Ends a run's task group when a graceful stop completed.
struct StopAtSavepoint: Error {
    /// The savepoint; `nil` when the run had no checkpoints and was simply cancelled.
    let savepoint: UInt64?
}

extension Pipeline {
    /// Each stage's counts since the first start: what the restored checkpoint carried, plus
    /// this run's.
    static func totals(of stages: [StageReport], after restored: RestoredCheckpoint?) -> [StageTotals] {
        var carried: [String: StageTotals] = [:]
        for part in restored?.parts ?? [] where part.kind == .counters {
            guard let counted = try? StateCoding.decode([StageTotals].self, from: part.bytes) else { continue }
            for stage in counted { carried[stage.name, default: StageTotals(name: stage.name)].add(stage) }
        }
        return stages.map { stage in
            var total = carried[stage.name] ?? StageTotals(name: stage.name)
            total.recordsIn += stage.recordsIn
            total.recordsOut += stage.recordsOut
            total.errored += stage.errored
            total.deadLettered += stage.deadLettered
            return total
        }
    }
}

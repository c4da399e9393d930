import Foundation
import SluiceCore
import SluiceNetwork
import SluiceRuntime
import Synchronization

/// Carries out a ``ClusterAssignment``'s actions for one worker: heartbeats, leases, and one
/// run of the pipeline per partition held.
final class ClusterWorker: Sendable {
    let cluster: JetStreamCluster
    /// The pipeline divided at its repartitioning KeyBy stages: one run per partition of each.
    let segments: PipelineSegments
    let exchange: JetStreamExchange
    let options: RunOptions
    let events: @Sendable (ClusterEvent) -> Void
    /// Time between rounds: a quarter of the session timeout at most.
    let roundInterval: Duration

    /// One partition being processed.
    struct Running {
        var task: Task<Void, Never>
        var stop: StopHandle
        /// How its run ended, once it has.
        var ending: RunEnding
        var stopping = false
    }

    /// Where a partition's run leaves its outcome, so that a round can see it ended without
    /// waiting for it.
    final class RunEnding: Sendable {
        let outcome = Mutex<Result<RunReport, any Error>?>(nil)
        /// Signalled once, when the outcome is set: what the worker's thread waits on.
        let ended = DispatchSemaphore(value: 0)
    }

    private struct State {
        var assignment: ClusterAssignment
        var running: [Int: Running] = [:]
        var failures: [Int: Int] = [:]
        /// A failed partition's run starts again no earlier than this.
        var retryAfter: [Int: ContinuousClock.Instant] = [:]
    }
    private let state: Mutex<State>

    init(cluster: JetStreamCluster, pipeline: Pipeline, options: RunOptions, events: @escaping @Sendable (ClusterEvent) -> Void) throws {
        self.cluster = cluster
        exchange = JetStreamExchange(cluster.configuration, group: cluster.group, partitions: cluster.partitions,
                                     replicas: cluster.replicas)
        let segments = try pipeline.segments(transport: exchange)
        self.segments = segments
        self.options = options
        self.events = events
        roundInterval = min(.milliseconds(500), cluster.sessionTimeout / 5)
        // The assignment divides units of work: every partition of every segment.
        state = Mutex(State(assignment: ClusterAssignment(me: cluster.worker, partitions: cluster.partitions * segments.pipelines.count,
                                                          sessionTimeout: cluster.sessionTimeout)))
    }

    /// Every partition of every segment: what the workers divide among themselves.
    var units: Int { cluster.partitions * segments.pipelines.count }

    /// Runs the worker until every partition is finished, `stop` is pulled or the task is
    /// cancelled. The rounds run on a thread of their own: a worker whose partitions keep every
    /// core of Swift concurrency's pool busy still heartbeats and renews its leases on time
    /// (else it would fence itself off, or lose its partitions to others).
    func run(stop: StopHandle?) async throws {
        guard cluster.partitions > 0 else { throw RecordError("a cluster needs at least one partition") }
        try KeyValueBucket.checkName(cluster.bucket)
        try KeyValueBucket.checkKey("members." + cluster.worker)
        let cancelled = StopHandle()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try self.loop(stop: stop, cancelled: cancelled) })
                }
                thread.name = "sluice-cluster-worker"
                thread.start()
            }
        } onCancel: {
            cancelled.requestStop()
        }
        if cancelled.isStopRequested { throw CancellationError() }
    }

    private func loop(stop: StopHandle?, cancelled: StopHandle) throws {
        var connection = try NATSConnection.connectBlocking(cluster.configuration)
        var bucket = try KeyValueBucket.createBlocking(JetStream(connection), name: cluster.bucket, replicas: cluster.replicas)
        if !segments.exchanges.isEmpty { try exchange.prepareBlocking(JetStream(connection)) }
        events(.joined(worker: cluster.worker))
        defer { connection.close() }
        var lastError: (any Error)?
        var failingSince: ContinuousClock.Instant?
        let (seconds, attoseconds) = roundInterval.components
        let pause = Double(seconds) + Double(attoseconds) / 1e18
        while true {
            if cancelled.isStopRequested || stop?.isStopRequested == true {
                stopAll(bucket: bucket)
                try? bucket.deleteBlocking("members." + cluster.worker)
                return
            }
            do {
                if connection.failure != nil {
                    connection = try NATSConnection.connectBlocking(cluster.configuration, alsoTrying: connection.discoveredServers)
                    bucket = try KeyValueBucket.createBlocking(JetStream(connection), name: cluster.bucket, replicas: cluster.replicas)
                }
                if try round(bucket) { return }
                failingSince = nil
            } catch {
                // The broker is unreachable: partitions whose leases could not be renewed in
                // time stop by themselves; the worker keeps trying.
                lastError = error
                let now = ContinuousClock.now
                if failingSince == nil { failingSince = now }
                let overdue = state.withLock { $0.assignment.fencing(now: now) }
                for partition in overdue { fence(partition) }
                if now - failingSince! > .seconds(300) {
                    stopAll(bucket: nil)
                    throw RecordError("cluster \(cluster.group): the broker \(cluster.configuration) has been unreachable for 5 minutes: \(lastError!)")
                }
            }
            Thread.sleep(forTimeInterval: pause)
        }
    }

    /// One round: heartbeat, observe, act. Returns true when every partition is finished.
    private func round(_ bucket: KeyValueBucket) throws -> Bool {
        let heldNow = state.withLock { $0.assignment.held.keys.sorted() }
        try bucket.putBlocking("members." + cluster.worker, value: Array("{\"partitions\":\(heldNow)}".utf8))
        let observation = try observe(bucket)
        if observation.finished.count == units, state.withLock({ $0.running.isEmpty }) { return true }
        try collectFinishedRuns(bucket)
        let now = ContinuousClock.now
        let actions = state.withLock { $0.assignment.round(observation, now: now) }
        for action in actions {
            switch action {
            case .fence(let partition):
                fence(partition)
            case .acquire(let partition, let expecting):
                do {
                    let revision = expecting == 0 ? try bucket.createBlocking("lease.\(partition)", value: Array(cluster.worker.utf8))
                        : try bucket.updateBlocking("lease.\(partition)", value: Array(cluster.worker.utf8), expecting: expecting)
                    state.withLock { $0.assignment.leased(partition, revision: revision, now: ContinuousClock.now) }
                    start(partition)
                    events(.acquired(partition: partition))
                } catch is KeyValueConflict {
                    continue   // another worker was faster; the next round sees it
                }
            case .renew(let partition, let revision):
                try renew(partition, revision: revision, bucket)
                // A run that failed starts again after its backoff, while the lease is held.
                let due = state.withLock { $0.running[partition] == nil && ($0.retryAfter[partition] ?? now) <= ContinuousClock.now }
                if due, state.withLock({ $0.assignment.held[partition] != nil }) { start(partition) }
            case .release(let partition, let revision):
                // Stop gracefully (at a savepoint); keep the lease until the run has ended.
                if beginStopping(partition) {
                    try? bucket.deleteBlocking("lease.\(partition)", expecting: revision)
                    state.withLock { $0.assignment.dropped(partition) }
                    events(.released(partition: partition))
                } else {
                    try renew(partition, revision: revision, bucket)
                }
            }
        }
        return false
    }

    private func renew(_ partition: Int, revision: UInt64, _ bucket: KeyValueBucket) throws {
        do {
            let renewed = try bucket.updateBlocking("lease.\(partition)", value: Array(cluster.worker.utf8), expecting: revision)
            state.withLock { $0.assignment.leased(partition, revision: renewed, now: ContinuousClock.now) }
        } catch is KeyValueConflict {
            fence(partition)
        }
    }

    private func observe(_ bucket: KeyValueBucket) throws -> ClusterAssignment.Observation {
        var observation = ClusterAssignment.Observation()
        for entry in try bucket.entriesBlocking() {
            let parts = entry.key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "members": observation.members[parts[1]] = entry.revision
            case "lease":
                if let partition = Int(parts[1]) {
                    observation.leases[partition] = .init(holder: String(decoding: entry.value, as: UTF8.self), revision: entry.revision)
                }
            case "done":
                if let partition = Int(parts[1]) { observation.finished.insert(partition) }
            default: continue
            }
        }
        return observation
    }

    /// Starts the run of `unit` — partition `unit % partitions` of segment
    /// `unit / partitions` — resuming from its newest checkpoint.
    private func start(_ unit: Int) {
        let stop = StopHandle()
        var options = self.options
        options.partition = unit % cluster.partitions
        let pipeline = segments.pipelines[unit / cluster.partitions], cluster = self.cluster
        let ending = RunEnding()
        let task = Task {
            let outcome: Result<RunReport, any Error>
            do {
                let storage = try JetStreamCheckpointStorage(cluster.configuration, line: cluster.checkpointLine(unit),
                                                             replicas: cluster.replicas)
                outcome = .success(try await pipeline.run(options: options, checkpoints: .every(cluster.checkpointInterval, in: storage),
                                                          stop: stop))
            } catch {
                outcome = .failure(error)
            }
            ending.outcome.withLock { $0 = outcome }
            ending.ended.signal()
        }
        state.withLock { $0.running[unit] = Running(task: task, stop: stop, ending: ending) }
    }

    /// Asks `partition`'s run to stop at a savepoint; true once it has ended.
    private func beginStopping(_ partition: Int) -> Bool {
        state.withLock { state in
            guard var running = state.running[partition] else { return true }
            if !running.stopping {
                running.stopping = true
                running.stop.requestStop()
                state.running[partition] = running
            }
            return false
        }
    }

    /// Stops `partition` at once and forgets its lease.
    private func fence(_ partition: Int) {
        let running = state.withLock { state -> Running? in
            state.assignment.dropped(partition)
            return state.running.removeValue(forKey: partition)
        }
        running?.task.cancel()
        events(.fenced(partition: partition))
    }

    /// Looks at runs that ended: a finished partition is marked done and its lease deleted; a
    /// stopped one (released) is forgotten; a failed one is started again by the next renewal.
    private func collectFinishedRuns(_ bucket: KeyValueBucket) throws {
        let ended = state.withLock { state -> [(Int, Running, Result<RunReport, any Error>)] in
            state.running.compactMap { partition, running in
                running.ending.outcome.withLock { $0 }.map { (partition, running, $0) }
            }
        }
        for (partition, running, result) in ended {
            state.withLock { _ = $0.running.removeValue(forKey: partition) }
            switch result {
            case .success(let report):
                if running.stopping || report.stoppedAtSavepoint != nil { continue }   // handed over: the round deletes the lease
                try bucket.putBlocking("done.\(partition)", value: [])
                if let revision = state.withLock({ $0.assignment.held[partition] }) {
                    try? bucket.deleteBlocking("lease.\(partition)", expecting: revision)
                }
                state.withLock { $0.assignment.dropped(partition) }
                events(.finished(partition: partition))
            case .failure(let error):
                if error is CancellationError { continue }
                state.withLock { state in
                    state.failures[partition, default: 0] += 1
                    // Give the broker a moment before a round starts it again.
                    state.retryAfter[partition] = ContinuousClock.now + .milliseconds(min(5_000, 250 * state.failures[partition]!))
                }
                events(.failed(partition: partition, error: "\(error)"))
            }
        }
    }

    /// Stops every run at a savepoint and deletes its lease (when `bucket` is reachable).
    private func stopAll(bucket: KeyValueBucket?) {
        let all = state.withLock { state -> [(Int, Running)] in
            defer { state.running = [:] }
            return state.running.map { ($0.key, $0.value) }
        }
        for (_, running) in all { running.stop.requestStop() }
        for (partition, running) in all {
            running.ending.ended.wait()
            if let bucket, let revision = state.withLock({ $0.assignment.held[partition] }) {
                try? bucket.deleteBlocking("lease.\(partition)", expecting: revision)
            }
            state.withLock { $0.assignment.dropped(partition) }
            events(.released(partition: partition))
        }
    }
}

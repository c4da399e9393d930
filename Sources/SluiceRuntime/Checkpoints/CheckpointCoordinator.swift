import Synchronization
import SluiceCore

/// Runs the checkpoints of one run: decides when the next one starts, collects every chain
/// instance's acknowledgement (its state, position or pre-committed transaction), and once
/// all have acknowledged writes the checkpoint durably and only then commits the sinks'
/// transactions.
///
/// One checkpoint is in flight at a time. An instance that has finished (end of input)
/// acknowledges once more with its final state, which stands for it in every later
/// checkpoint; when all have finished, a final checkpoint records the completed run.
final class CheckpointCoordinator: Sendable {
    private struct Completion {
        let id: UInt64
        let isFinal: Bool
        let parts: [CheckpointPart]
        let started: ContinuousClock.Instant
    }

    private struct State {
        var nextID: UInt64
        var inFlight: UInt64?
        var inFlightSince = ContinuousClock.now
        var acks: [Int: [CheckpointPart]] = [:]
        var finals: [Int: [CheckpointPart]] = [:]
        var finishedSources = 0
        var finalTaken = false
        /// Completions waiting to be written, in order.
        var toWrite: [Completion] = []
        var writing = false
        var statistics = CheckpointStatistics()
        /// A stop was requested: the next checkpoint to complete is a savepoint.
        var stopRequested = false
        var savepoint: UInt64?
        var ended = false
        var savepointWaiters: [CheckedContinuation<UInt64?, Never>] = []
    }

    let policy: CheckpointPolicy
    let store: any CheckpointStorage
    /// The positions of the newest checkpoint that is durable and committed.
    let committedPositions = CommittedPositions()
    private let pipeline: String
    private let participants: Int
    private let sourceParticipants: Int
    private let committers: [String: @Sendable ([UInt8]) throws -> Void]
    private let state: Mutex<State>
    private let writer = Mutex<Void>(())

    init(policy: CheckpointPolicy, pipeline: String, graph: LogicalGraph, plan: PhysicalPlan, restoredID: UInt64?,
         skipped: [String] = []) {
        self.policy = policy
        store = policy.storage
        self.pipeline = pipeline
        participants = plan.chains.reduce(0) { $0 + $1.parallelism }
        sourceParticipants = plan.chains.filter { graph[$0.head].kind == .source }.reduce(0) { $0 + $1.parallelism }
        var committers: [String: @Sendable ([UInt8]) throws -> Void] = [:]
        for node in graph.nodes { if let commit = node.transactionCommitter { committers[node.name] = commit } }
        self.committers = committers
        var initial = State(nextID: (restoredID ?? 0) + 1)
        initial.statistics.restoredFrom = restoredID
        initial.statistics.skippedOnRestore = skipped
        state = Mutex(initial)
    }

    /// What the run's checkpoints did so far.
    var statistics: CheckpointStatistics { state.withLock { $0.statistics } }

    /// Starts the next checkpoint, unless one is in flight or being written, or every source
    /// has finished.
    func trigger() {
        state.withLock { state in
            guard state.inFlight == nil, !state.writing, state.toWrite.isEmpty, state.savepoint == nil,
                  state.finishedSources < sourceParticipants else { return }
            state.inFlight = state.nextID
            state.inFlightSince = .now
            state.nextID += 1
        }
    }

    /// Takes a savepoint now (or lets the checkpoint in flight be it).
    func requestSavepoint() {
        state.withLock { $0.stopRequested = true }
        trigger()
    }

    /// Waits for the savepoint to be durable and published; `nil` when the run ended first.
    func savepointCompleted() async -> UInt64? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> UInt64?? in
                    if let savepoint = state.savepoint { return .some(savepoint) }
                    if state.ended { return .some(nil) }
                    state.savepointWaiters.append(continuation)
                    return .none
                }
                if let done { continuation.resume(returning: done) }
            }
        } onCancel: {
            runEnded()
        }
    }

    /// Releases anyone waiting for a savepoint, when the run ends without one.
    func runEnded() {
        let waiters = state.withLock { state -> [CheckedContinuation<UInt64?, Never>] in
            state.ended = true
            defer { state.savepointWaiters = [] }
            return state.savepointWaiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// The checkpoint a source should inject a barrier for, if it has not yet.
    func barrierDue(after injected: UInt64) -> CheckpointID? {
        state.withLock { state in
            guard let id = state.inFlight, id > injected else { return nil }
            return CheckpointID(id)
        }
    }

    /// Records `participant`'s part of checkpoint `id`; writes and commits the checkpoint
    /// when it was the last.
    func acknowledge(_ id: CheckpointID, participant: Int, parts: [CheckpointPart]) throws {
        let due = state.withLock { state -> Bool in
            guard state.inFlight == id.rawValue else { return false }
            state.acks[participant] = parts
            return collectCompletions(&state)
        }
        if due { try writeCompletions() }
    }

    /// Records `participant`'s final part, after its end of input.
    func acknowledgeFinal(participant: Int, isSource: Bool, parts: [CheckpointPart]) throws {
        let due = state.withLock { state -> Bool in
            state.finals[participant] = parts
            if isSource { state.finishedSources += 1 }
            return collectCompletions(&state)
        }
        if due { try writeCompletions() }
    }

    private func collectCompletions(_ state: inout State) -> Bool {
        // After a savepoint the run is stopping: nothing more is completed, so that the
        // savepoint stays the newest checkpoint.
        guard state.savepoint == nil else { return false }
        let before = state.toWrite.count
        if let id = state.inFlight,
           (0..<participants).allSatisfy({ state.acks[$0] != nil || state.finals[$0] != nil }) {
            let parts = (0..<participants).flatMap { state.acks[$0] ?? state.finals[$0] ?? [] }
            state.toWrite.append(Completion(id: id, isFinal: false, parts: parts, started: state.inFlightSince))
            state.inFlight = nil
            state.acks = [:]
        }
        if !state.finalTaken, state.finals.count == participants {
            state.finalTaken = true
            let parts = (0..<participants).flatMap { state.finals[$0] ?? [] }
            state.toWrite.append(Completion(id: state.nextID, isFinal: true, parts: parts, started: .now))
            state.nextID += 1
        }
        return state.toWrite.count > before
    }

    /// Writes pending completions in order, one writer at a time, and commits each one's
    /// transactions once it is durable.
    private func writeCompletions() throws {
        try writer.withLock { _ in
            while let next = state.withLock({ state -> Completion? in
                guard !state.toWrite.isEmpty, state.savepoint == nil else { return nil }
                state.writing = true
                return state.toWrite.removeFirst()
            }) {
                defer { state.withLock { $0.writing = false } }
                try store.write(id: next.id, pipeline: pipeline, isFinal: next.isFinal, parts: next.parts)
                for part in next.parts where part.kind == .transaction {
                    guard let commit = committers[part.stage] else { continue }
                    do {
                        try commit(part.bytes)
                    } catch {
                        throw CheckpointProblem("committing checkpoint \(next.id) for sink '\(part.stage)' failed: \(error)")
                    }
                }
                // Durable and committed: sources may let go of what it covers.
                for part in next.parts where part.kind == .position {
                    committedPositions.publish(checkpoint: next.id, stage: part.stage, instance: part.instance, position: part.bytes)
                }
                store.prune(keep: policy.keep, newest: next.id)
                let duration = ContinuousClock.now - next.started
                let size = next.parts.reduce(0) { $0 + $1.bytes.count }
                let waiters = state.withLock { state -> [CheckedContinuation<UInt64?, Never>] in
                    state.statistics.record(id: next.id, duration: duration, bytes: size)
                    guard state.stopRequested, !next.isFinal, state.savepoint == nil else { return [] }
                    state.savepoint = next.id
                    defer { state.savepointWaiters = [] }
                    return state.savepointWaiters
                }
                for waiter in waiters { waiter.resume(returning: next.id) }
            }
        }
    }
}

/// What a run's checkpoints did.
public struct CheckpointStatistics: Sendable, Hashable {
    /// The checkpoint the run resumed from, if any.
    public var restoredFrom: UInt64?
    /// Checkpoints completed during the run (the last may be the final one).
    public var completed: Int = 0
    /// The newest completed checkpoint.
    public var newest: UInt64?
    /// The longest time from start to durable, over the run.
    public var longestDuration: Duration = .zero
    /// The size of the newest checkpoint's parts, in bytes.
    public var newestSizeBytes: Int = 0
    /// The size of the largest checkpoint, in bytes.
    public var largestSizeBytes: Int = 0
    /// Newer checkpoints found torn or damaged on restore, and why.
    public var skippedOnRestore: [String] = []

    mutating func record(id: UInt64, duration: Duration, bytes: Int) {
        completed += 1
        newest = id
        longestDuration = max(longestDuration, duration)
        newestSizeBytes = bytes
        largestSizeBytes = max(largestSizeBytes, bytes)
    }
}

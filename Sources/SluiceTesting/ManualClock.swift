import Synchronization
import SluiceCore

/// A processing-time clock that moves only when a test says so, so time-driven stages are
/// tested without sleeping.
///
/// ```swift
/// let clock = ManualClock()
/// let run = Task { try await pipeline.run(options: RunOptions(clock: clock)) }
/// if await clock.waitForSleepers(1, orUntilFinished: run) {   // the runtime waits for its next tick
///     clock.advance(by: .seconds(2))                          // ticks fire; batches older than 2 s flush
/// }
/// ```
public final class ManualClock: ProcessingClock {
    private struct Sleeper {
        let deadline: Timestamp
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Timestamp
        var sleepers: [Int: Sleeper] = [:]
        var cancelledBeforeSleeping: Set<Int> = []
        var nextID = 0
    }
    private let state: Mutex<State>

    /// A clock showing `start` (the Unix epoch by default).
    public init(start: Timestamp = Timestamp(millisecondsSinceEpoch: 0)) {
        state = Mutex(State(now: start))
    }

    /// The time the clock shows.
    public var now: Timestamp { state.withLock { $0.now } }

    /// How many tasks are sleeping on the clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Suspends until the clock is advanced to `deadline`.
    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Bool? = state.withLock { state in
                    if state.cancelledBeforeSleeping.remove(id) != nil { return false }
                    if deadline <= state.now { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                switch outcome {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper }
                state.cancelledBeforeSleeping.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration`, waking every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = state.now.advanced(by: duration)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.sorted { $0.deadline < $1.deadline }.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Waits until at least `count` tasks sleep on the clock. It yields first, then polls
    /// every millisecond of real time, so a wait that lasts costs no CPU; it never returns if
    /// nothing ever sleeps — for a whole run, use ``waitForSleepers(_:orUntilFinished:)``.
    public func waitForSleepers(_ count: Int) async {
        var checks = 0
        while sleeperCount < count { await pause(&checks) }
    }

    /// Waits until at least `count` tasks sleep on the clock, or until `run` has finished
    /// (a run with finite input may end before it ever waits for a tick). Returns whether the
    /// sleepers came.
    ///
    /// ```swift
    /// let run = Task { try await pipeline.run(options: RunOptions(clock: clock)) }
    /// if await clock.waitForSleepers(1, orUntilFinished: run) { clock.advance(by: .seconds(2)) }
    /// let report = try await run.value
    /// ```
    @discardableResult
    public func waitForSleepers<Success: Sendable>(_ count: Int, orUntilFinished run: Task<Success, any Error>) async -> Bool {
        let finished = Finished()
        Task {
            _ = try? await run.value
            finished.flag.store(true, ordering: .releasing)
        }
        var checks = 0
        while sleeperCount < count {
            if finished.flag.load(ordering: .acquiring) { return sleeperCount >= count }
            await pause(&checks)
        }
        return true
    }

    private final class Finished: Sendable {
        let flag = Atomic<Bool>(false)
    }

    private func pause(_ checks: inout Int) async {
        checks += 1
        if checks < 1_000 {
            await Task.yield()
        } else {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

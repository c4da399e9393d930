import Synchronization

/// Holds sinks back from making their output visible until every task of the run has
/// finished its input without error, so that a failed run publishes nothing.
final class CommitGate: Sendable {
    private typealias Waiter = CheckedContinuation<Void, any Error>
    private struct State {
        var remaining: Int
        var waiters: [Int: Waiter] = [:]
        var cancelledBeforeWaiting: Set<Int> = []
    }
    private let state: Mutex<State>
    private let ids = Atomic<Int>(0)

    /// A gate that opens after `participants` arrivals.
    init(participants: Int) {
        state = Mutex(State(remaining: participants))
    }

    /// Records that one participant has finished its input.
    func arrive() {
        let waiters = state.withLock { state -> [Waiter] in
            state.remaining -= 1
            guard state.remaining == 0 else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Arrives and suspends until every participant has arrived; throws if cancelled first.
    func arriveAndWait() async throws {
        arrive()
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let resumeNow: Bool? = state.withLock { state in
                    if state.cancelledBeforeWaiting.remove(id) != nil { return false }
                    if state.remaining <= 0 { return true }
                    state.waiters[id] = continuation
                    return nil
                }
                switch resumeNow {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                state.cancelledBeforeWaiting.insert(id)
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

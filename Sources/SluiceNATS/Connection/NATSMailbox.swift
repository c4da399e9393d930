import Foundation
import SluiceNetwork

/// A ``NATSMailboxState`` under a lock, with a condition for takers to wait on: the reader
/// thread delivers, a task takes (blocking on a Dispatch thread through ``BlockingCall``, never
/// on Swift concurrency's cooperative pool).
final class NATSMailbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: NATSMailboxState

    init(subject: String, capacity: Int) {
        state = NATSMailboxState(subject: subject, capacity: capacity)
    }

    /// Delivers a message; `false` when the mailbox has failed (now or before).
    @discardableResult func deliver(_ message: NATSMessage) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        switch state.deliver(message) {
        case .wakeTaker:
            condition.signal()
            return true
        case .overflowed:
            condition.broadcast()
            return false
        case .stored:
            return true
        case .ignored:
            return false
        }
    }

    /// Ends the mailbox with `error` once its messages are taken.
    func fail(_ error: NATSError) {
        condition.lock()
        state.fail(error)
        condition.broadcast()
        condition.unlock()
    }

    /// Up to `maximum` messages, waiting at most `timeout` seconds for the first (or, with
    /// `atLeast`, until that many or a status message came); what came when the time is up,
    /// possibly nothing. Throws the mailbox's failure once nothing is left.
    func take(maximum: Int, atLeast: Int = 1, timeout: Double) throws -> [NATSMessage] {
        let deadline = Date(timeIntervalSinceNow: max(0, timeout))
        condition.lock()
        defer {
            state.wanted = 1
            condition.unlock()
        }
        state.wanted = max(1, min(atLeast, maximum))
        while true {
            if state.count < state.wanted, state.failure == nil, !state.holdsStatus {
                if condition.wait(until: deadline) { continue }
                state.wanted = 1
            }
            switch state.take(maximum: maximum) {
            case .messages(let messages): return messages
            case .failed(let error): throw error
            case .wait:
                if !condition.wait(until: deadline) {
                    if case .messages(let messages) = state.take(maximum: maximum) { return messages }
                    if let failure = state.failure { throw failure }
                    return []
                }
            }
        }
    }

    /// ``take(maximum:atLeast:timeout:)`` from a task.
    func next(maximum: Int, atLeast: Int = 1, timeout: Double) async throws -> [NATSMessage] {
        try await BlockingCall.run { try self.take(maximum: maximum, atLeast: atLeast, timeout: timeout) }
    }
}

import Foundation
import Synchronization

/// Cancels a running query when its task is cancelled. The server ignores a cancel request
/// that arrives before the query starts, so requests are repeated every 200 ms, on a thread of
/// their own, until the blocking read returns.
final class QueryCancellation: Sendable {
    let canceller: PostgresCanceller?
    let done = Mutex(false)

    init(_ canceller: PostgresCanceller?) { self.canceller = canceller }

    /// Starts sending cancel requests.
    func start() {
        guard let canceller else { return }
        Thread.detachNewThread { [self] in
            while !done.withLock({ $0 }) {
                try? canceller.cancel()
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// The read returned: no more requests.
    func finish() { done.withLock { $0 = true } }
}

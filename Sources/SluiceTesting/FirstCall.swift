import Synchronization

/// Tells the first caller apart from the later ones, from any thread: what makes a test
/// server's `stop()` safe to call more than once (from a test, `deinit` and the exit handler).
final class FirstCall: Sendable {
    private let called = Mutex(false)

    /// True for the first call only.
    func claim() -> Bool {
        called.withLock { called in
            defer { called = true }
            return !called
        }
    }
}

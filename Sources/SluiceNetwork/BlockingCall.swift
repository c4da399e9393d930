import Dispatch

/// Runs a blocking call (a socket read that waits for the server) on a Dispatch thread and
/// suspends the task meanwhile, so that a slow query never holds one of the few threads Swift
/// concurrency's cooperative pool has: with one thread per core, a few blocked readers would
/// otherwise stall every other task of the process, cancellation included.
public enum BlockingCall {
    /// A value handed to the thread that runs the call; the caller gives up using it meanwhile.
    public struct Handed<Value>: @unchecked Sendable {
        /// The value handed over.
        public let value: Value
        /// Wraps `value`.
        public init(value: Value) { self.value = value }
    }

    /// Runs `body` on a Dispatch thread and returns its result.
    public static func run<T>(_ body: @escaping () throws -> T) async throws -> T {
        let handed = Handed(value: body)
        let result: Handed<Result<T, any Error>> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Handed(value: Result { try handed.value() }))
            }
        }
        return try result.value.get()
    }
}

import Foundation

/// What a run does when a stage fails: give up at once, or run again after a delay, resuming
/// from the newest checkpoint when the run takes them (from the start otherwise).
///
/// ```swift
/// try await pipeline.run(checkpoints: .every(.seconds(5), in: "state"),
///                        restart: .exponentialBackoff(initial: .seconds(1), maximum: .seconds(60), maxAttempts: 10))
/// ```
///
/// Invalid pipelines, checkpoints that cannot be restored and cancellation are never retried.
public struct RestartStrategy: Sendable {
    /// Restarts allowed after the first attempt.
    public let maxAttempts: Int
    private let delays: @Sendable (Int) -> Duration

    /// The wait before restart number `attempt` (1-based).
    public func delay(beforeRestart attempt: Int) -> Duration { delays(attempt) }

    /// No restarts: a failure ends the run.
    public static var none: RestartStrategy { RestartStrategy(maxAttempts: 0) { _ in .zero } }

    /// Up to `maxAttempts` restarts, `delay` apart.
    public static func fixedDelay(_ delay: Duration, maxAttempts: Int) -> RestartStrategy {
        RestartStrategy(maxAttempts: max(0, maxAttempts)) { _ in delay }
    }

    /// Up to `maxAttempts` restarts, the wait growing by `multiplier` from `initial` up to
    /// `maximum`.
    public static func exponentialBackoff(initial: Duration, maximum: Duration, multiplier: Double = 2,
                                          maxAttempts: Int) -> RestartStrategy {
        RestartStrategy(maxAttempts: max(0, maxAttempts)) { attempt in
            let grown = initial * pow(max(1, multiplier), Double(attempt - 1))
            return min(grown, maximum)
        }
    }

    private init(maxAttempts: Int, delays: @escaping @Sendable (Int) -> Duration) {
        self.maxAttempts = maxAttempts
        self.delays = delays
    }
}

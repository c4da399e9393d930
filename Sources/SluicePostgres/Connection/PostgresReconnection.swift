import Foundation
import SluiceConnectors

/// Which failures a new session can overcome, and the waits between attempts: what the source
/// and the sink share to survive a dropped connection or a server restart.
enum PostgresReconnection {
    /// Whether `error` ended the session rather than the statement: the socket failed, or the
    /// server is shutting down, starting up or dropped the connection (SQLSTATE classes 08 and
    /// 57P).
    static func isTransient(_ error: any Error) -> Bool {
        if error is PostgresConnectionError { return true }
        if let error = error as? PostgresError {
            return error.sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(error.sqlState)
                || error.severity == "FATAL" && error.sqlState != "28P01" && error.sqlState != "28000"
        }
        return false
    }

    /// The wait before attempt `attempt` (1 for the first retry) under `policy`.
    static func backoff(_ attempt: Int, _ policy: RetryPolicy) -> Duration {
        var wait = policy.initialBackoff
        for _ in 1..<max(1, attempt) { wait = min(wait * 2, policy.maxBackoff) }
        return min(wait, policy.maxBackoff)
    }

    /// ``backoff(_:_:)`` in seconds, for a blocking wait.
    static func backoffSeconds(_ attempt: Int, _ policy: RetryPolicy) -> Double {
        let (seconds, attoseconds) = backoff(attempt, policy).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// ``retrying(_:_:)`` for blocking code (on a Dispatch thread): it sleeps the thread
    /// between attempts.
    static func retryingBlocking<T>(_ policy: RetryPolicy, _ body: (Int) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body(attempt)
            } catch where isTransient(error) && attempt < policy.maxAttempts {
                Thread.sleep(forTimeInterval: backoffSeconds(attempt, policy))
                attempt += 1
            }
        }
    }

    /// Runs `body`, retrying it after transient failures with backoff; other errors, and the
    /// last transient one, are thrown. `body` is given the attempt's number, from 1.
    static func retrying<T>(_ policy: RetryPolicy, _ body: (Int) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body(attempt)
            } catch {
                guard isTransient(error), attempt < policy.maxAttempts, !Task.isCancelled else { throw error }
                try await Task.sleep(for: backoff(attempt, policy))
                attempt += 1
            }
        }
    }
}

extension RetryPolicy {
    /// What the PostgreSQL source and sink use by default: 8 attempts, from 250 ms doubling
    /// to 5 s between them — long enough to outlast a server restart.
    public static let postgresReconnection = RetryPolicy(maxAttempts: 8, initialBackoff: .milliseconds(250), maxBackoff: .seconds(5))
}

import Foundation

/// Processing time: the wall clock in production, a manual clock in tests, so that
/// time-driven stages (batches flushed by age, idle inputs, processing-time triggers) can be
/// tested without sleeping.
public protocol ProcessingClock: Sendable {
    /// The current processing time.
    var now: Timestamp { get }
    /// Suspends until the clock reaches `deadline`; throws `CancellationError` if the task is
    /// cancelled first.
    func sleep(until deadline: Timestamp) async throws
}

/// The system's wall clock.
public struct SystemClock: ProcessingClock {
    /// Creates the clock.
    public init() {}

    /// The current time, to the millisecond.
    public var now: Timestamp { Timestamp(Date()) }

    /// Sleeps with `Task.sleep`.
    public func sleep(until deadline: Timestamp) async throws {
        let remaining = deadline.millisecondsSinceEpoch - now.millisecondsSinceEpoch
        if remaining > 0 { try await Task.sleep(for: .milliseconds(remaining)) }
    }
}

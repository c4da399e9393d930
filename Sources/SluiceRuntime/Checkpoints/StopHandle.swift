#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Asks a running pipeline to stop gracefully: with checkpoints, the run takes one more
/// checkpoint (a savepoint), publishes what it covers and returns; the next run with the same
/// policy resumes from it. Without checkpoints the run is cancelled.
///
/// ```swift
/// let stop = StopHandle()
/// stop.stopOnSignals()                       // SIGINT and SIGTERM
/// let report = try await pipeline.run(checkpoints: .every(.seconds(5), in: "state"), stop: stop)
/// if let savepoint = report.stoppedAtSavepoint { print("stopped at checkpoint \(savepoint)") }
/// ```
public final class StopHandle: Sendable {
    private struct State {
        var requested = false
        var actions: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())
    private let signalSources = Mutex<[SignalSourceBox]>([])

    /// A handle nobody has pulled yet.
    public init() {}

    /// Whether a stop was requested.
    public var isStopRequested: Bool { state.withLock { $0.requested } }

    /// Requests the stop; later calls do nothing.
    public func requestStop() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.requested else { return [] }
            state.requested = true
            return state.actions
        }
        for action in actions { action() }
    }

    /// Requests the stop when the process receives one of `signals`, instead of the default
    /// action (termination).
    public func stopOnSignals(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.requestStop() }
            source.resume()
            signalSources.withLock { $0.append(SignalSourceBox(source: source)) }
        }
    }

    /// Runs `action` when the stop is requested (at once if it was already).
    func onStop(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.requested { return true }
            state.actions.append(action)
            return false
        }
        if runNow { action() }
    }
}

/// Keeps a signal source alive; it is only touched while being stored.
private struct SignalSourceBox: @unchecked Sendable {
    let source: any DispatchSourceSignal
}

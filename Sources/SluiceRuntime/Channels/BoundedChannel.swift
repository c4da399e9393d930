import Synchronization
import SluiceCore

/// A bounded, multi-producer, single-consumer channel of ``ChannelMessage``s: the edge
/// between two tasks.
///
/// `send` suspends while `capacity` messages are buffered (backpressure) and resumes, in
/// arrival order, as the consumer takes messages. `receive` suspends while the channel is
/// empty. Both handle cancellation, including cancellation that arrives before they suspend,
/// and both throw once the channel is failed.
final class BoundedChannel: Sendable {
    private typealias Machine = ChannelStateMachine<CheckedContinuation<ChannelMessage?, any Error>>
    private let state: Mutex<Machine>
    private let ids = Atomic<Int>(0)

    /// A channel buffering at most `capacity` messages.
    init(capacity: Int) {
        state = Mutex(Machine(capacity: capacity))
    }

    /// Sends `message`, suspending while the channel is full.
    /// - Returns: how long the call was suspended; `.zero` when it did not suspend.
    @discardableResult
    func send(_ message: ChannelMessage) async throws -> Duration {
        switch state.withLock({ $0.trySend(message) }) {
        case .delivered(let receiver, let delivered):
            receiver?.resume(returning: delivered)
            return .zero
        case .failed:
            throw ChannelClosedError()
        case .mustWait:
            break
        }
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        let start = ContinuousClock.now
        try await withTaskCancellationHandler {
            _ = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChannelMessage?, any Error>) in
                switch state.withLock({ $0.suspendSender(id: id, message: message, continuation: continuation) }) {
                case .suspended:
                    break
                case .resumeSender(let sender, let receiver, let delivered):
                    receiver?.resume(returning: delivered)
                    sender.resume(returning: nil)
                case .failSender(let sender, let cancelled):
                    sender.resume(throwing: cancelled ? CancellationError() as any Error : ChannelClosedError())
                }
            }
        } onCancel: {
            state.withLock { $0.cancelSender(id: id) }?.resume(throwing: CancellationError())
        }
        return ContinuousClock.now - start
    }

    /// Receives the next message, suspending while the channel is empty.
    func receive() async throws -> ChannelMessage {
        switch state.withLock({ $0.tryReceive() }) {
        case .received(let message, let sender):
            sender?.resume(returning: nil)
            return message
        case .failed:
            throw ChannelClosedError()
        case .mustWait:
            break
        }
        let id = ids.wrappingAdd(1, ordering: .relaxed).newValue
        let message = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChannelMessage?, any Error>) in
                switch state.withLock({ $0.suspendReceiver(id: id, continuation: continuation) }) {
                case .suspended:
                    break
                case .resume(let receiver, let message, let sender):
                    sender?.resume(returning: nil)
                    receiver.resume(returning: message)
                case .fail(let receiver, let cancelled):
                    receiver.resume(throwing: cancelled ? CancellationError() as any Error : ChannelClosedError())
                }
            }
        } onCancel: {
            state.withLock { $0.cancelReceiver(id: id) }?.resume(throwing: CancellationError())
        }
        guard let message else { throw ChannelClosedError() }
        return message
    }

    /// Fails the channel, waking every blocked sender and receiver with an error.
    func fail() {
        for waiter in state.withLock({ $0.fail() }) {
            waiter.resume(throwing: ChannelClosedError())
        }
    }
}

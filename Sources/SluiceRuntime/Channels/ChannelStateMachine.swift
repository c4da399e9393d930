/// The state of a bounded multi-producer, single-consumer channel, with no locking and no
/// tasks: every method returns what must be done, and the caller does it after releasing
/// the lock (no continuation is resumed under the lock).
struct ChannelStateMachine<Continuation> {
    struct WaitingSender {
        let id: Int
        let message: ChannelMessage
        let continuation: Continuation
    }

    let capacity: Int
    private var buffer: [ChannelMessage] = []
    private var head = 0
    private var waitingSenders: [WaitingSender] = []
    private var waitingReceiver: (id: Int, continuation: Continuation)?
    /// Waiters whose cancellation ran before they registered.
    private var cancelledBeforeRegistration: Set<Int> = []
    private(set) var isFailed = false

    init(capacity: Int) {
        precondition(capacity > 0, "channel capacity must be positive")
        self.capacity = capacity
    }

    var bufferedCount: Int { buffer.count - head }

    // MARK: Sending

    enum SendAction {
        /// Enqueued; resume the receiver (if any) with the message.
        case delivered(resumeReceiver: Continuation?, with: ChannelMessage?)
        /// The caller must suspend and call ``suspendSender(id:message:continuation:)``.
        case mustWait
        /// The channel is failed.
        case failed
    }

    /// Tries to send without suspending.
    mutating func trySend(_ message: ChannelMessage) -> SendAction {
        if isFailed { return .failed }
        if let receiver = waitingReceiver {
            waitingReceiver = nil
            return .delivered(resumeReceiver: receiver.continuation, with: message)
        }
        guard bufferedCount < capacity else { return .mustWait }
        buffer.append(message)
        return .delivered(resumeReceiver: nil, with: nil)
    }

    enum SuspendAction {
        /// Stay suspended: the receiver resumes the continuation when it takes the message.
        case suspended
        /// Resume the sender at once: it was delivered.
        case resumeSender(Continuation, receiver: Continuation?, message: ChannelMessage?)
        /// Resume the sender with an error: cancelled or channel failed.
        case failSender(Continuation, cancelled: Bool)
    }

    /// Registers a sender that found the channel full (space may have appeared meanwhile).
    mutating func suspendSender(id: Int, message: ChannelMessage, continuation: Continuation) -> SuspendAction {
        if cancelledBeforeRegistration.remove(id) != nil { return .failSender(continuation, cancelled: true) }
        switch trySend(message) {
        case .failed: return .failSender(continuation, cancelled: false)
        case .delivered(let receiver, let delivered):
            return .resumeSender(continuation, receiver: receiver, message: delivered)
        case .mustWait:
            waitingSenders.append(WaitingSender(id: id, message: message, continuation: continuation))
            return .suspended
        }
    }

    /// A sender's task was cancelled; returns its continuation if it was waiting.
    mutating func cancelSender(id: Int) -> Continuation? {
        if let index = waitingSenders.firstIndex(where: { $0.id == id }) {
            return waitingSenders.remove(at: index).continuation
        }
        cancelledBeforeRegistration.insert(id)
        return nil
    }

    // MARK: Receiving

    enum ReceiveAction {
        /// A message was available; resume `sender` if one moved into the freed slot.
        case received(ChannelMessage, resumeSender: Continuation?)
        /// The caller must suspend and call ``suspendReceiver(id:continuation:)``.
        case mustWait
        /// The channel is failed.
        case failed
    }

    /// Takes the next message without suspending.
    mutating func tryReceive() -> ReceiveAction {
        if isFailed { return .failed }
        guard bufferedCount > 0 else {
            // Capacity is positive, so a waiting sender implies a non-empty buffer.
            return .mustWait
        }
        let message = buffer[head]
        head += 1
        if head > 64, head * 2 > buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        var sender: Continuation?
        if !waitingSenders.isEmpty {
            let next = waitingSenders.removeFirst()
            buffer.append(next.message)
            sender = next.continuation
        }
        return .received(message, resumeSender: sender)
    }

    enum ReceiverSuspendAction {
        case suspended
        case resume(Continuation, with: ChannelMessage, sender: Continuation?)
        case fail(Continuation, cancelled: Bool)
    }

    /// Registers the receiver that found the channel empty.
    mutating func suspendReceiver(id: Int, continuation: Continuation) -> ReceiverSuspendAction {
        if cancelledBeforeRegistration.remove(id) != nil { return .fail(continuation, cancelled: true) }
        switch tryReceive() {
        case .failed: return .fail(continuation, cancelled: false)
        case .received(let message, let sender): return .resume(continuation, with: message, sender: sender)
        case .mustWait:
            precondition(waitingReceiver == nil, "a channel has a single consumer")
            waitingReceiver = (id, continuation)
            return .suspended
        }
    }

    /// The receiver's task was cancelled; returns its continuation if it was waiting.
    mutating func cancelReceiver(id: Int) -> Continuation? {
        if let receiver = waitingReceiver, receiver.id == id {
            waitingReceiver = nil
            return receiver.continuation
        }
        cancelledBeforeRegistration.insert(id)
        return nil
    }

    // MARK: Failing

    /// Fails the channel: every waiter must be resumed with an error.
    mutating func fail() -> [Continuation] {
        guard !isFailed else { return [] }
        isFailed = true
        var waiters = waitingSenders.map(\.continuation)
        waitingSenders.removeAll()
        if let receiver = waitingReceiver { waiters.append(receiver.continuation) }
        waitingReceiver = nil
        buffer.removeAll()
        head = 0
        return waiters
    }
}

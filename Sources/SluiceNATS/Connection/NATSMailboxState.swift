/// What a subscription holds between the connection's reader, which delivers, and the task
/// that takes: messages in arrival order up to a capacity, then the failure that ended it.
/// A pure state machine — each call returns what to do — so that it is tested without threads;
/// ``NATSMailbox`` carries the actions out under a lock.
///
/// A reader never waits for a slow taker (it would stop answering the server's `PING`s), so a
/// mailbox that is full fails with ``NATSError/slowConsumer(_:)`` instead of dropping messages
/// silently. Flow control belongs above: a JetStream pull asks for no more than it can hold.
struct NATSMailboxState {
    private var messages: [NATSMessage] = []
    private var head = 0
    private(set) var failure: NATSError?
    let capacity: Int
    let subject: String
    /// How many messages the waiting taker wants before it is worth waking: a taker that
    /// expects a batch is woken once, not once per message (each wake is a thread switch).
    /// A message with a status (the end of a pull) wakes it whatever the count.
    var wanted = 1

    init(subject: String, capacity: Int) {
        self.subject = subject
        self.capacity = capacity
    }

    /// Messages waiting to be taken.
    var count: Int { messages.count - head }

    /// Whether a message with a status waits: the end of a pull, worth waking for.
    var holdsStatus: Bool { messages[head...].contains { $0.status != nil } }

    /// What the deliverer does after delivering.
    enum DeliverAction: Equatable {
        /// Stored: wake a waiting taker.
        case wakeTaker
        /// Stored; the taker waits for more.
        case stored
        /// The mailbox had already failed: the message is not kept (its failure is reported).
        case ignored
        /// The mailbox overflowed and failed: wake a taker to see the failure.
        case overflowed
    }

    mutating func deliver(_ message: NATSMessage) -> DeliverAction {
        guard failure == nil else { return .ignored }
        guard count < capacity else {
            failure = .slowConsumer("more than \(capacity) messages on '\(subject)' were waiting to be read")
            return .overflowed
        }
        messages.append(message)
        return count >= wanted || message.status != nil ? .wakeTaker : .stored
    }

    /// Ends the mailbox: messages already held are still taken first. The first failure wins.
    mutating func fail(_ error: NATSError) {
        if failure == nil { failure = error }
    }

    /// What a taker gets.
    enum TakeResult: Equatable {
        /// Up to the number asked for, oldest first.
        case messages([NATSMessage])
        /// Nothing held and the mailbox has failed.
        case failed(NATSError)
        /// Nothing held yet: wait.
        case wait
    }

    mutating func take(maximum: Int) -> TakeResult {
        if count > 0 {
            let end = min(messages.count, head + max(1, maximum))
            let taken = Array(messages[head..<end])
            head = end
            if head == messages.count {
                messages.removeAll(keepingCapacity: messages.capacity <= 4096)
                head = 0
            } else if head > 1024, head * 2 > messages.count {
                messages.removeFirst(head)
                head = 0
            }
            return .messages(taken)
        }
        if let failure { return .failed(failure) }
        return .wait
    }
}

/// Messages arriving on a subject, taken in batches. Ends when unsubscribed, when the
/// connection ends, or when more messages wait than its capacity (slow consumer).
public final class NATSSubscription: Sendable {
    /// The subject subscribed to.
    public let subject: String
    let connection: NATSConnection
    let sid: UInt64
    let mailbox: NATSMailbox

    init(connection: NATSConnection, sid: UInt64, subject: String, mailbox: NATSMailbox) {
        self.connection = connection
        self.sid = sid
        self.subject = subject
        self.mailbox = mailbox
    }

    /// Up to `maximum` messages, waiting at most `timeout` seconds for the first (or, with
    /// `atLeast`, until that many or a message with a status came); empty when none came.
    /// Throws why the subscription ended once its messages are taken.
    public func next(maximum: Int = 1, atLeast: Int = 1, timeout: Double) async throws -> [NATSMessage] {
        try await mailbox.next(maximum: maximum, atLeast: atLeast, timeout: timeout)
    }

    /// ``next(maximum:atLeast:timeout:)`` blocking the calling thread.
    public func nextBlocking(maximum: Int = 1, atLeast: Int = 1, timeout: Double) throws -> [NATSMessage] {
        try mailbox.take(maximum: maximum, atLeast: atLeast, timeout: timeout)
    }

    /// Ends the subscription.
    public func unsubscribe() { connection.unsubscribe(sid: sid) }
}

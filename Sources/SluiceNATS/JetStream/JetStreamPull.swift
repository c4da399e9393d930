import Foundation
import SluiceNetwork
import Synchronization

/// Pulls batches from one pull consumer: each ``fetch(batch:expires:)`` returns at most
/// `batch` messages, when they came, or the server said there are no more for now (status
/// 404/408), or the wait expired. Before returning, it asks for the next batch, so that the
/// broker sends it while the caller works on this one. Nothing arrives that was not asked for,
/// so a slow reader holds at most two batches: backpressure reaches the broker.
public final class JetStreamPull: Sendable {
    /// The stream read.
    public let stream: String
    /// The consumer pulled from.
    public let consumer: String
    let jetStream: JetStream
    private let inbox: NATSSubscription
    private let inboxSubject: String
    /// The batch size of the request sent ahead, if one is outstanding.
    private let requested = Mutex<Int?>(nil)

    /// Pulls from `consumer` of `stream`.
    public init(_ jetStream: JetStream, stream: String, consumer: String) throws {
        self.jetStream = jetStream
        self.stream = stream
        self.consumer = consumer
        inboxSubject = "_PULL." + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        // Room for two batches: a late answer to an earlier pull may still arrive.
        inbox = try jetStream.connection.subscribe(to: inboxSubject, capacity: 2 * 256 + 16)
    }

    private func request(batch: Int, expires: Double) throws {
        struct Request: Encodable {
            var batch: Int
            var expires: Int64
        }
        let body = try JSONEncoder().encode(Request(batch: batch, expires: Int64(expires * 1e9)))
        try jetStream.connection.publish("$JS.API.CONSUMER.MSG.NEXT.\(stream).\(consumer)", payload: Array(body), replyTo: inboxSubject)
        requested.withLock { $0 = batch }
    }

    /// Up to `batch` (at most 256) messages, waiting at most `expires` seconds.
    public func fetch(batch: Int, expires: Double) async throws -> [JetStreamMessage] {
        try await BlockingCall.run { try self.fetchBlocking(batch: batch, expires: expires) }
    }

    /// ``fetch(batch:expires:)`` blocking the calling thread.
    public func fetchBlocking(batch: Int, expires: Double) throws -> [JetStreamMessage] {
        let wanted = min(max(1, batch), 256)
        // The request sent ahead (perhaps for another size) is served first.
        let batch = try requested.withLock { $0 } ?? {
            try request(batch: wanted, expires: expires)
            return wanted
        }()
        let messages = try receive(batch: batch, expires: expires)
        try request(batch: wanted, expires: expires)
        return messages
    }

    /// The messages answering the outstanding request.
    private func receive(batch: Int, expires: Double) throws -> [JetStreamMessage] {
        defer { requested.withLock { $0 = nil } }
        var messages: [JetStreamMessage] = []
        let deadline = ContinuousClock.now + .seconds(expires + 2)
        while messages.count < batch {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            let (seconds, attoseconds) = left.components
            let received = try inbox.nextBlocking(maximum: batch - messages.count, atLeast: batch - messages.count,
                                                  timeout: Double(seconds) + Double(attoseconds) / 1e18)
            if received.isEmpty { break }
            for message in received {
                if let status = message.status, message.payload.isEmpty || status != 200 {
                    switch status {
                    case 100: continue                  // idle heartbeat
                    case 404, 408: return messages      // nothing more for now; the pull has ended
                    case 409:
                        let reason = message.headers?.statusDescription ?? ""
                        if reason.lowercased().contains("exceeds maxbytes") { return messages }
                        throw NATSError.serverError("pull from consumer \(consumer) of stream \(stream) ended: 409 \(reason)")
                    default:
                        throw NATSError.serverError("pull from consumer \(consumer) of stream \(stream) answered \(status) \(message.headers?.statusDescription ?? "")")
                    }
                }
                messages.append(try JetStreamMessage(delivered: message))
            }
        }
        return messages
    }

    /// Stops receiving.
    public func close() { inbox.unsubscribe() }
}

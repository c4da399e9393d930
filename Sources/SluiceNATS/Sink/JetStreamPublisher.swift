import Foundation
import SluiceConnectors
import SluiceCore
import Synchronization

/// Publishes batches of messages to JetStream and waits for every acknowledgement: what a
/// JetStream sink's writes and checkpoint commits share. Each message carries a message id
/// (`Nats-Msg-Id`), so publishing a batch again — after a lost connection, or when recovery
/// commits a checkpoint's transaction a second time — stores nothing twice within the stream's
/// duplicate window. Blocking: call it from a Dispatch thread (``BlockingCall``) or from a
/// commit, which runs outside the cooperative pool's hot path.
final class JetStreamPublisher: Sendable {
    /// A message to publish with its id.
    struct Outgoing: Sendable {
        var subject: String
        var payload: [UInt8]
        var id: String
    }

    let configuration: NATSConfiguration
    let retry: RetryPolicy
    private let connection = Mutex<NATSConnection?>(nil)
    /// Acknowledgements awaited at once: enough to keep the line busy, few enough that a
    /// failure republishes little.
    static let window = 512

    init(configuration: NATSConfiguration, retry: RetryPolicy) {
        self.configuration = configuration
        self.retry = retry
    }

    /// The open connection, or a new one to any server of the cluster.
    func connected() throws -> NATSConnection {
        if let open = connection.withLock({ $0 }), open.failure == nil { return open }
        let previous = connection.withLock { $0 }
        let made = try NATSConnection.connectBlocking(configuration, alsoTrying: previous?.discoveredServers ?? [])
        connection.withLock { $0 = made }
        return made
    }

    /// The largest payload the server takes.
    func maximumPayload() throws -> Int { try connected().info.maximumPayload }

    /// Publishes `messages` in order and returns once every one is acknowledged (stored, or
    /// recognised as a duplicate). Transient failures are retried from the first message not
    /// yet acknowledged; an error the stream answers (a full stream, no stream for the
    /// subject) is thrown.
    func publish(_ messages: [Outgoing]) throws {
        var next = 0
        var failedAttempts = 0
        while next < messages.count {
            do {
                let jetStream = JetStream(try connected())
                while next < messages.count {
                    let end = min(messages.count, next + Self.window)
                    // One write for the whole window: a system call per message would cost more
                    // than encoding it.
                    let pending = try jetStream.sendPublishes(messages[next..<end].map { ($0.subject, $0.payload, $0.id) })
                    for acknowledgement in pending {
                        _ = try acknowledgement.waitBlocking()
                        next += 1
                        failedAttempts = 0
                    }
                }
            } catch let error where JetStreamSource<Never>.Reader.isTransient(error) {
                connection.withLock { $0?.close() }
                failedAttempts += 1
                guard failedAttempts < retry.maxAttempts else {
                    throw RecordError("publishing to JetStream on \(configuration): gave up after \(failedAttempts) attempts with \(messages.count - next) messages unacknowledged: \(error)")
                }
                let (seconds, attoseconds) = JetStreamSource<Never>.Reader.backoff(failedAttempts, retry).components
                Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
            } catch let error as JetStreamAPIError {
                throw RecordError("JetStream refused a message for '\(messages[next].subject)': \(error)")
            } catch let error as NATSError {
                if case .noResponders = error {
                    throw RecordError("no JetStream stream stores subject '\(messages[next].subject)' on \(configuration)")
                }
                throw error
            }
        }
    }

    /// Closes the connection.
    /// Publishes a checkpoint's encoded ``JetStreamSinkTransaction``: what the sinks that hold
    /// their messages back until a checkpoint is durable commit with.
    var transactionCommitter: @Sendable ([UInt8]) throws -> Void {
        { bytes in
            let transaction = try StateCoding.decode(JetStreamSinkTransaction.self, from: bytes)
            try self.publish(try transaction.outgoing())
        }
    }

    func close() { connection.withLock { $0?.close(); $0 = nil } }

    deinit { connection.withLock { $0?.close() } }
}

import Foundation
import SluiceConnectors
import SluiceCore
import SluiceNetwork

/// Publishes each element, JSON-encoded, to a JetStream subject (fixed, or computed from the
/// element), and counts it written only once the broker acknowledged it.
///
/// **Exactly once across crashes.** With checkpoints on, the messages of each checkpoint
/// interval are held back and saved in the checkpoint as its transaction, under a random
/// batch id. Once the checkpoint is durable they are published with message ids
/// `<batch id>-<index>`. A crash before the checkpoint completes publishes nothing of it (the
/// restored run produces those messages again); a crash during publishing makes recovery
/// publish the same batch again, and the stream drops the ids it has already stored. That
/// holds while recovery comes within the stream's duplicate window (`duplicate_window`, two
/// minutes by default; set it longer than a restart may take). Message ids rather than
/// JetStream's atomic batches: ids need no stream option, have no batch-size limit, and make
/// a re-publication harmless, which is what recovery needs.
///
/// Without checkpoints, each chunk is published as it comes, still with message ids, so a
/// retried chunk after a lost connection is not stored twice.
public struct JetStreamSink<Input: Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let configuration: NATSConfiguration
    let subjectDescription: String
    let subject: @Sendable (Input) throws -> String
    let encode: @Sendable (Input, JSONRecordEncoder, inout [UInt8]) throws -> Void
    let publisher: JetStreamPublisher

    init(configuration: NATSConfiguration, subjectDescription: String, subject: @escaping @Sendable (Input) throws -> String,
         retry: RetryPolicy, publisher: JetStreamPublisher? = nil,
         encode: @escaping @Sendable (Input, JSONRecordEncoder, inout [UInt8]) throws -> Void) {
        self.configuration = configuration
        self.subjectDescription = subjectDescription
        self.subject = subject
        self.encode = encode
        self.publisher = publisher ?? JetStreamPublisher(configuration: configuration, retry: retry)
    }

    /// `jetstream`.
    public var defaultName: String { "jetstream" }
    /// The servers (never credentials) and the subject.
    public var detail: String { "\(configuration) \(subjectDescription)" }

    /// Publishes a checkpoint's transaction with this sink's connection settings (which are
    /// not saved in checkpoints).
    public var transactionPublisher: (@Sendable ([UInt8]) throws -> Void)? { publisher.transactionCommitter }

    /// Opens the writer; the connection opens on the first write.
    public func makeWriter(_ context: StageContext) throws -> Writer {
        Writer(stage: self, checkpointed: context.isCheckpointed, stageName: context.stageName)
    }

    /// The running form of ``JetStreamSink``.
    public struct Writer: TransactionalSinkWriter {
        let stage: JetStreamSink
        let checkpointed: Bool
        let stageName: String
        let encoder = JSONRecordEncoder()
        /// Messages of the checkpoint interval, held back until it completes.
        var pending = JetStreamSinkTransaction(batch: UUID().uuidString)
        /// Without checkpoints: this run's batch id and the index of its next message.
        let runBatch = UUID().uuidString
        var published = 0
        var maximumPayload: Int?

        public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            if maximumPayload == nil {
                let publisher = stage.publisher
                maximumPayload = try await BlockingCall.run { try publisher.maximumPayload() }
            }
            var encoded: [(subject: String, payload: [UInt8])] = []
            encoded.reserveCapacity(elements.count)
            var bytes: [UInt8] = []
            for element in elements {
                do {
                    bytes.removeAll(keepingCapacity: true)
                    try stage.encode(element, encoder, &bytes)
                    let subject = try stage.subject(element)
                    do { try NATSCommand.checkSubject(subject, wildcards: false) } catch { throw RecordError("\(error)") }
                    guard bytes.count <= maximumPayload! else {
                        throw RecordError("the message of \(bytes.count) bytes for '\(subject)' exceeds the server's limit of \(maximumPayload!) bytes")
                    }
                    encoded.append((subject, bytes))
                } catch {
                    try failures.reject(error, rawInput: String(describing: element),
                                        location: SourceLocation(origin: "jetstream sink \(stageName)", field: stage.subjectDescription))
                }
            }
            if checkpointed {
                for message in encoded { pending.append(subject: message.subject, payload: message.payload) }
                return
            }
            let outgoing = encoded.enumerated().map { offset, message in
                JetStreamPublisher.Outgoing(subject: message.subject, payload: message.payload, id: "\(runBatch)-\(published + offset)")
            }
            published += outgoing.count
            let publisher = stage.publisher
            try await BlockingCall.run { try publisher.publish(outgoing) }
        }

        public mutating func preCommit(_ checkpoint: CheckpointID) async throws -> JetStreamSinkTransaction {
            defer { pending = JetStreamSinkTransaction(batch: UUID().uuidString) }
            return pending
        }

        /// Commits go through the stage's ``JetStreamSink/transactionPublisher``.
        public static func commit(_ transaction: JetStreamSinkTransaction) throws {
            throw RecordError("a JetStream sink commits through its stage's settings, not the writer type")
        }

        /// Nothing to discard: held-back messages were never published.
        public mutating func recover(after committed: JetStreamSinkTransaction?) async throws {}

        public mutating func abort() async { pending = JetStreamSinkTransaction(batch: UUID().uuidString) }
    }
}

/// One checkpoint interval's messages of a JetStream sink, saved in the checkpoint and
/// published once it is durable.
///
/// The messages are packed into one value — for each, the subject's length (4 bytes,
/// big-endian), the subject, the payload's length, the payload — so that a checkpoint holding
/// many messages encodes one base64 text, not an object per message. Unpacking checks every
/// length and the count before anything is published.
public struct JetStreamSinkTransaction: Codable, Sendable, Equatable {
    /// A random id, the prefix of every message id of the batch.
    public var batch: String
    /// How many messages ``packed`` holds.
    public var count: Int
    /// The messages, in order, packed.
    public var packed: Data

    /// An empty batch.
    init(batch: String) {
        self.batch = batch
        count = 0
        packed = Data()
    }

    /// Adds a message.
    mutating func append(subject: String, payload: [UInt8]) {
        Self.appendLength(subject.utf8.count, to: &packed)
        packed.append(contentsOf: subject.utf8)
        Self.appendLength(payload.count, to: &packed)
        packed.append(contentsOf: payload)
        count += 1
    }

    private static func appendLength(_ length: Int, to data: inout Data) {
        withUnsafeBytes(of: UInt32(length).bigEndian) { data.append(contentsOf: $0) }
    }

    /// The messages with their ids, `<batch>-<index>`; throws when the packing is damaged.
    func outgoing() throws -> [JetStreamPublisher.Outgoing] {
        var messages: [JetStreamPublisher.Outgoing] = []
        messages.reserveCapacity(count)
        try packed.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            func field() throws -> UnsafeRawBufferPointer {
                guard offset + 4 <= bytes.count else { throw RecordError("a JetStream sink transaction of batch \(batch) is cut short") }
                let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).bigEndian)
                offset += 4
                guard length <= bytes.count - offset else {
                    throw RecordError("a JetStream sink transaction of batch \(batch) holds a length past its end")
                }
                defer { offset += length }
                return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
            }
            while offset < bytes.count {
                let subject = String(decoding: try field(), as: UTF8.self)
                let payload = Array(try field())
                messages.append(.init(subject: subject, payload: payload, id: "\(batch)-\(messages.count)"))
            }
        }
        guard messages.count == count else {
            throw RecordError("a JetStream sink transaction of batch \(batch) holds \(messages.count) messages, not \(count)")
        }
        return messages
    }
}

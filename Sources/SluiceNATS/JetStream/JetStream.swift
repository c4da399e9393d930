import Foundation
import SluiceConnectors
import SluiceNetwork

/// JetStream's API over a ``NATSConnection``: streams, consumers, publishing with the broker's
/// acknowledgement, and reading stored messages. Every answer is checked before it is used;
/// API errors are thrown as ``JetStreamAPIError``s naming the API subject.
///
/// ```swift
/// let jetStream = JetStream(connection)
/// _ = try await jetStream.createStream(StreamConfiguration(name: "READINGS", subjects: ["readings.>"]))
/// let acknowledgement = try await jetStream.publish("readings.s1", payload: Array(#"{"value":1}"#.utf8), messageID: "r-1")
/// ```
public struct JetStream: Sendable {
    /// The connection it uses.
    public let connection: NATSConnection
    /// Seconds to wait for an API answer or a publish acknowledgement.
    public var timeout: Double

    /// JetStream over `connection`.
    public init(_ connection: NATSConnection, timeout: Double? = nil) {
        self.connection = connection
        self.timeout = timeout ?? connection.configuration.timeout
    }

    // MARK: - API calls

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Calls `$JS.API.<api>` with `body` and decodes the answer.
    func call<Response: Decodable>(_ api: String, _ body: (some Encodable)?, as type: Response.Type) async throws -> Response {
        let payload = try body.map { Array(try Self.encoder.encode($0)) } ?? []
        let reply = try await connection.request("$JS.API." + api, payload: payload, timeout: timeout)
        return try Self.decode(reply, api: api, as: type)
    }

    /// ``call(_:_:as:)`` blocking the calling thread.
    func callBlocking<Response: Decodable>(_ api: String, _ body: (some Encodable)?, as type: Response.Type) throws -> Response {
        let payload = try body.map { Array(try Self.encoder.encode($0)) } ?? []
        let reply = try connection.requestBlocking("$JS.API." + api, payload: payload, timeout: timeout)
        return try Self.decode(reply, api: api, as: type)
    }

    static func decode<Response: Decodable>(_ reply: NATSMessage, api: String, as type: Response.Type) throws -> Response {
        if let status = reply.status, reply.payload.isEmpty {
            throw JetStreamAPIError(code: status, errorCode: nil, errorDescription: reply.headers?.statusDescription, api: api)
        }
        // Sluice's own decoder: every publish acknowledgement passes here, and Foundation's
        // costs several times as much. It checks the whole text, as Foundation's does.
        let decoder = JSONRecordDecoder()
        if var error = (try? reply.payload.withUnsafeBytes { try decoder.decode(JetStreamErrorEnvelope.self, from: $0) })?.error {
            error.api = api
            throw error
        }
        do {
            return try reply.payload.withUnsafeBytes { try decoder.decode(Response.self, from: $0) }
        } catch {
            throw NATSError.protocolViolation("JetStream's answer to \(api) could not be read (\(error)): \(String(decoding: reply.payload.prefix(200), as: UTF8.self))")
        }
    }

    private struct Empty: Encodable {}
    private struct Deleted: Decodable { var success: Bool }

    // MARK: - Streams

    /// Creates a stream; when one with this name exists, updates it to `configuration`.
    public func createStream(_ configuration: StreamConfiguration) async throws -> StreamInfo {
        do {
            return try await call("STREAM.CREATE." + configuration.name, configuration, as: StreamInfo.self)
        } catch let error as JetStreamAPIError where error.errorCode == 10058 {
            return try await call("STREAM.UPDATE." + configuration.name, configuration, as: StreamInfo.self)
        }
    }

    /// ``createStream(_:)`` blocking the calling thread.
    public func createStreamBlocking(_ configuration: StreamConfiguration) throws -> StreamInfo {
        do {
            return try callBlocking("STREAM.CREATE." + configuration.name, configuration, as: StreamInfo.self)
        } catch let error as JetStreamAPIError where error.errorCode == 10058 {
            return try callBlocking("STREAM.UPDATE." + configuration.name, configuration, as: StreamInfo.self)
        }
    }

    /// The stream's description; `nil` when there is no such stream.
    public func streamInfo(_ name: String) async throws -> StreamInfo? {
        do {
            return try await call("STREAM.INFO." + name, Empty?.none, as: StreamInfo.self)
        } catch let error as JetStreamAPIError where error.errorCode == JetStreamAPIError.streamNotFound {
            return nil
        }
    }

    private struct PurgeRequest: Encodable {
        var filter: String
        var seq: UInt64
    }
    private struct Purged: Decodable {
        var success: Bool
        var purged: UInt64
    }

    /// Removes the messages of `stream` on `subject` (wildcards allowed) with a sequence below
    /// `sequence`; returns how many went.
    @discardableResult
    public func purge(stream: String, subject: String, before sequence: UInt64) async throws -> UInt64 {
        try await call("STREAM.PURGE." + stream, PurgeRequest(filter: subject, seq: sequence), as: Purged.self).purged
    }

    /// ``streamInfo(_:)`` blocking the calling thread.
    public func streamInfoBlocking(_ name: String) throws -> StreamInfo? {
        do {
            return try callBlocking("STREAM.INFO." + name, Empty?.none, as: StreamInfo.self)
        } catch let error as JetStreamAPIError where error.errorCode == JetStreamAPIError.streamNotFound {
            return nil
        }
    }

    /// Deletes a stream and its messages.
    public func deleteStream(_ name: String) async throws {
        _ = try await call("STREAM.DELETE." + name, Empty?.none, as: Deleted.self)
    }

    /// The message at `sequence`; `nil` when there is none (never stored, or removed).
    public func message(stream: String, sequence: UInt64) async throws -> StoredMessage? {
        try await BlockingCall.run { try messageBlocking(stream: stream, sequence: sequence) }
    }

    /// The last message stored on `subject`; `nil` when there is none.
    public func lastMessage(stream: String, subject: String) async throws -> StoredMessage? {
        try await BlockingCall.run { try lastMessageBlocking(stream: stream, subject: subject) }
    }

    /// ``message(stream:sequence:)`` blocking the calling thread.
    public func messageBlocking(stream: String, sequence: UInt64) throws -> StoredMessage? {
        struct Request: Encodable { var seq: UInt64 }
        return try storedMessage(stream: stream, request: Request(seq: sequence))
    }

    /// ``lastMessage(stream:subject:)`` blocking the calling thread.
    public func lastMessageBlocking(stream: String, subject: String) throws -> StoredMessage? {
        struct Request: Encodable { var last_by_subj: String }
        return try storedMessage(stream: stream, request: Request(last_by_subj: subject))
    }

    /// The first message on `subject` at or after `sequence`; `nil` when there is none.
    public func nextMessageBlocking(stream: String, subject: String, from sequence: UInt64) throws -> StoredMessage? {
        struct Request: Encodable {
            var seq: UInt64
            var next_by_subj: String
        }
        return try storedMessage(stream: stream, request: Request(seq: sequence, next_by_subj: subject))
    }

    private func storedMessage(stream: String, request: some Encodable) throws -> StoredMessage? {
        let answer: StoredMessageAnswer
        do {
            answer = try callBlocking("STREAM.MSG.GET." + stream, request, as: StoredMessageAnswer.self)
        } catch let error as JetStreamAPIError where error.errorCode == JetStreamAPIError.noMessageFound {
            return nil
        }
        guard let payload = Data(base64Encoded: answer.message.data ?? "") else {
            throw NATSError.protocolViolation("JetStream sent message \(answer.message.seq) of \(stream) with a payload that is not base64")
        }
        var headers: NATSHeaders?
        if let text = answer.message.hdrs {
            guard let block = Data(base64Encoded: text) else {
                throw NATSError.protocolViolation("JetStream sent message \(answer.message.seq) of \(stream) with headers that are not base64")
            }
            headers = try NATSHeaders.decode(ArraySlice(block))
        }
        return StoredMessage(subject: answer.message.subject, sequence: answer.message.seq, headers: headers, payload: Array(payload))
    }

    // MARK: - Consumers

    /// Creates a consumer on `stream` (named by the server when the configuration names none).
    public func createConsumer(stream: String, _ configuration: ConsumerConfiguration) async throws -> ConsumerInfo {
        try await BlockingCall.run { try createConsumerBlocking(stream: stream, configuration) }
    }

    /// ``createConsumer(stream:_:)`` blocking the calling thread.
    public func createConsumerBlocking(stream: String, _ configuration: ConsumerConfiguration) throws -> ConsumerInfo {
        let name = configuration.durableName ?? configuration.name
        let api = "CONSUMER.CREATE." + stream + (name.map { "." + $0 } ?? "")
        return try callBlocking(api, ConsumerCreation(stream_name: stream, config: configuration), as: ConsumerInfo.self)
    }

    /// The consumer's description; `nil` when there is no such consumer.
    public func consumerInfo(stream: String, name: String) async throws -> ConsumerInfo? {
        do {
            return try await call("CONSUMER.INFO.\(stream).\(name)", Empty?.none, as: ConsumerInfo.self)
        } catch let error as JetStreamAPIError where error.errorCode == JetStreamAPIError.consumerNotFound {
            return nil
        }
    }

    /// Deletes a consumer; nothing happens when it is already gone.
    public func deleteConsumer(stream: String, name: String) async throws {
        try await BlockingCall.run { try deleteConsumerBlocking(stream: stream, name: name) }
    }

    /// ``deleteConsumer(stream:name:)`` blocking the calling thread.
    public func deleteConsumerBlocking(stream: String, name: String) throws {
        do {
            _ = try callBlocking("CONSUMER.DELETE.\(stream).\(name)", Empty?.none, as: Deleted.self)
        } catch let error as JetStreamAPIError where error.errorCode == JetStreamAPIError.consumerNotFound {
        }
    }

    // MARK: - Publishing

    /// An acknowledgement still to come: many publishes can be in flight at once.
    public struct PendingPublish: Sendable {
        let reply: NATSConnection.PendingReply
        let subject: String
        let timeout: Double

        /// Waits for the acknowledgement (blocking the calling thread).
        public func waitBlocking() throws -> PublishAcknowledgement {
            try JetStream.acknowledgement(try reply.waitBlocking(timeout: timeout), subject: subject)
        }

        /// Waits for the acknowledgement.
        public func wait() async throws -> PublishAcknowledgement {
            try JetStream.acknowledgement(try await reply.wait(timeout: timeout), subject: subject)
        }
    }

    /// The acknowledgement in `reply`: the usual compact form read directly, anything else
    /// (an error, extra fields) through the JSON decoder.
    static func acknowledgement(_ reply: NATSMessage, subject: String) throws -> PublishAcknowledgement {
        if reply.status == nil, let acknowledgement = PublishAcknowledgement(compact: reply.payload) { return acknowledgement }
        return try decode(reply, api: "publish to \(subject)", as: PublishAcknowledgement.self)
    }

    /// Publishes without waiting; the stream de-duplicates on `messageID` within its window.
    public func sendPublish(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil, messageID: String? = nil) throws -> PendingPublish {
        var headers = headers
        if let messageID {
            if headers == nil { headers = NATSHeaders() }
            headers!.append("Nats-Msg-Id", messageID)
        }
        let reply = try connection.sendRequest(subject, payload: payload, headers: headers)
        return PendingPublish(reply: reply, subject: subject, timeout: timeout)
    }

    /// ``publish(_:payload:headers:messageID:)`` blocking the calling thread.
    public func publishBlocking(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil, messageID: String? = nil) throws -> PublishAcknowledgement {
        try sendPublish(subject, payload: payload, headers: headers, messageID: messageID).waitBlocking()
    }

    /// Publishes several messages in one write without waiting; each is de-duplicated on its
    /// message id within the stream's window.
    public func sendPublishes(_ messages: [(subject: String, payload: [UInt8], messageID: String?)]) throws -> [PendingPublish] {
        let requests = messages.map { message -> (subject: String, payload: [UInt8], headers: NATSHeaders?) in
            (message.subject, message.payload, message.messageID.map { NATSHeaders([("Nats-Msg-Id", $0)]) })
        }
        return try connection.sendRequests(requests).enumerated().map { index, reply in
            PendingPublish(reply: reply, subject: messages[index].subject, timeout: timeout)
        }
    }

    /// Publishes and waits for the broker's acknowledgement. A subject no stream stores is an
    /// error (no responders), not a silent loss.
    public func publish(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil, messageID: String? = nil) async throws -> PublishAcknowledgement {
        try await sendPublish(subject, payload: payload, headers: headers, messageID: messageID).wait()
    }
}

/// The answer to `STREAM.MSG.GET`: the message with base64 headers and payload.
private struct StoredMessageAnswer: Decodable {
    struct Message: Decodable {
        var subject: String
        var seq: UInt64
        var hdrs: String?
        var data: String?
    }
    var message: Message
}

/// The request that creates a consumer.
private struct ConsumerCreation: Encodable {
    var stream_name: String
    var config: ConsumerConfiguration
}

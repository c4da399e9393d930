import Foundation

/// A message read from a stream: its subject, headers and payload with the stream sequence
/// and the time the stream stored it.
public struct JetStreamMessage: Sendable, Equatable {
    /// The stream it was read from.
    public var stream: String
    /// The subject it was published to.
    public var subject: String
    /// Its sequence in the stream: what a source's position records.
    public var sequence: UInt64
    /// When the stream stored it.
    public var time: Date
    /// Its headers, if any.
    public var headers: NATSHeaders?
    /// Its payload.
    public var payload: [UInt8]
    /// Messages after this one that the consumer had still to deliver, when it was delivered.
    public var pending: UInt64

    /// A message.
    public init(stream: String, subject: String, sequence: UInt64, time: Date, headers: NATSHeaders? = nil,
                payload: [UInt8], pending: UInt64 = 0) {
        self.stream = stream
        self.subject = subject
        self.sequence = sequence
        self.time = time
        self.headers = headers
        self.payload = payload
        self.pending = pending
    }

    /// Reads the delivery metadata JetStream puts in a consumed message's reply subject:
    /// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time ns>.<pending>`,
    /// or the newer form with a domain and account hash before the stream (and a token after).
    /// Anything else is a protocol violation: a message whose sequence cannot be known must not
    /// move a checkpointed position.
    init(delivered message: NATSMessage) throws {
        guard let reply = message.replyTo else {
            throw NATSError.protocolViolation("a message delivered on '\(message.subject)' has no JetStream metadata")
        }
        // Found by the dots' positions rather than by splitting: every consumed message passes here.
        var dots: [String.Index] = []
        dots.reserveCapacity(12)
        var index = reply.utf8.startIndex
        while index < reply.utf8.endIndex {
            if reply.utf8[index] == UInt8(ascii: ".") { dots.append(index) }
            index = reply.utf8.index(after: index)
        }
        func token(_ number: Int) -> Substring {
            let start = number == 0 ? reply.startIndex : reply.utf8.index(after: dots[number - 1])
            let end = number < dots.count ? dots[number] : reply.endIndex
            return reply[start..<end]
        }
        let count = dots.count + 1
        guard count >= 9, token(0) == "$JS", token(1) == "ACK" else {
            throw NATSError.protocolViolation("a message delivered on '\(message.subject)' has reply subject '\(reply.prefix(80))', not $JS.ACK metadata")
        }
        let offset = count == 9 ? 2 : 4
        guard count >= offset + 7,
              let sequence = UInt64(token(offset + 3)),
              let nanoseconds = Int64(token(offset + 5)),
              let pending = UInt64(token(offset + 6)) else {
            throw NATSError.protocolViolation("a message delivered on '\(message.subject)' has malformed metadata '\(reply.prefix(80))'")
        }
        self.init(stream: String(token(offset)), subject: message.subject, sequence: sequence,
                  time: Date(timeIntervalSince1970: Double(nanoseconds) / 1e9), headers: message.headers,
                  payload: message.payload, pending: pending)
    }
}

/// The broker's acknowledgement of a published message: it is stored (or was already, when
/// `duplicate`) under `sequence` in `stream`.
public struct PublishAcknowledgement: Decodable, Sendable, Equatable {
    /// The stream that stored it.
    public var stream: String
    /// Its sequence there.
    public var sequence: UInt64
    /// Whether a message with the same id was already stored within the duplicate window
    /// (nothing new was stored).
    public var duplicate: Bool

    enum CodingKeys: String, CodingKey { case stream, sequence = "seq", duplicate }

    /// Reads the form the server sends for nearly every publish —
    /// `{"stream":"<name>","seq":<n>}`, perhaps with `,"duplicate":true` — byte by byte;
    /// `nil` for anything else, which the JSON decoder then reads (or refuses).
    init?(compact bytes: [UInt8]) {
        var index = 0
        func take(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let matches = literal.withUTF8Buffer { literal in
                (0..<count).allSatisfy { bytes[index + $0] == literal[$0] }
            }
            if matches { index += count }
            return matches
        }
        guard take(#"{"stream":""#) else { return nil }
        let nameStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
            index += 1
        }
        guard index > nameStart, let name = String(validating: bytes[nameStart..<index], as: UTF8.self), take(#"","seq":"#) else { return nil }
        var sequence: UInt64 = 0
        let digitsStart = index
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
            let (times10, overflow1) = sequence.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[index] - 0x30))
            guard !overflow1, !overflow2 else { return nil }
            sequence = sum
            index += 1
        }
        guard index > digitsStart, index - digitsStart == 1 || bytes[digitsStart] != 0x30 else { return nil }
        let duplicate = take(#","duplicate":true"#)
        guard take("}"), index == bytes.count else { return nil }
        stream = name
        self.sequence = sequence
        self.duplicate = duplicate
    }

    /// Decodes an acknowledgement.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stream = try container.decode(String.self, forKey: .stream)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        duplicate = try container.decodeIfPresent(Bool.self, forKey: .duplicate) ?? false
    }
}

/// A message fetched by sequence or as a subject's last (`STREAM.MSG.GET`).
public struct StoredMessage: Sendable, Equatable {
    /// Its subject.
    public var subject: String
    /// Its sequence.
    public var sequence: UInt64
    /// Its headers, if any.
    public var headers: NATSHeaders?
    /// Its payload.
    public var payload: [UInt8]
}

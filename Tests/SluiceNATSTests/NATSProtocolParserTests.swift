import Foundation
import Testing
@testable import SluiceNATS

@Suite struct NATSProtocolParserTests {
    static let stream = Array((
        "INFO {\"server_id\":\"S1\",\"version\":\"2.15.1\",\"headers\":true,\"max_payload\":1048576,\"jetstream\":true}\r\n"
        + "PING\r\n+OK\r\n"
        + "MSG greet.world 7 5\r\nhello\r\n"
        + "MSG greet.reply 8 _INBOX.a.1 0\r\n\r\n"
        + "HMSG _INBOX.a.2 9 _INBOX.b 25 30\r\nNATS/1.0\r\nNats-Id: 12\r\n\r\nhé!!\r\n"
        + "HMSG _INBOX.a.3 9 28 28\r\nNATS/1.0 404 No Messages\r\n\r\n\r\n"
        + "PONG\r\n-ERR 'Unknown Protocol Operation'\r\n").utf8)

    static func parseAll(_ bytes: [UInt8], cuts: [Int]) throws -> [NATSServerOperation] {
        var parser = NATSProtocolParser()
        var operations: [NATSServerOperation] = []
        var from = 0
        for cut in cuts + [bytes.count] {
            bytes[from..<cut].withUnsafeBytes { parser.append($0) }
            from = cut
            while let operation = try parser.next() { operations.append(operation) }
        }
        #expect(parser.bufferedCount == 0)
        return operations
    }

    @Test func readsEveryOperationWhereverTheBytesAreCut() throws {
        let whole = try Self.parseAll(Self.stream, cuts: [])
        #expect(whole.count == 9)
        guard case .info(let info) = whole[0] else { Issue.record("no INFO first"); return }
        #expect(info.version == "2.15.1" && info.maximumPayload == 1_048_576 && info.jetStream && info.headers)
        #expect(whole[1] == .ping && whole[2] == .ok && whole[7] == .pong)
        #expect(whole[3] == .message(sid: 7, NATSMessage(subject: "greet.world", payload: Array("hello".utf8))))
        #expect(whole[4] == .message(sid: 8, NATSMessage(subject: "greet.reply", replyTo: "_INBOX.a.1", payload: [])))
        guard case .message(9, let withHeaders) = whole[5] else { Issue.record("no HMSG"); return }
        #expect(withHeaders.replyTo == "_INBOX.b" && withHeaders.headers?["Nats-Id"] == "12" && withHeaders.headers?["nats-id"] == "12")
        #expect(String(decoding: withHeaders.payload, as: UTF8.self) == "hé!!")
        guard case .message(9, let status) = whole[6] else { Issue.record("no status HMSG"); return }
        #expect(status.status == 404 && status.headers?.statusDescription == "No Messages" && status.payload.isEmpty)
        #expect(whole[8] == .error("Unknown Protocol Operation"))
        // Every single cut, and every pair of cuts 7 bytes apart.
        for cut in 1..<Self.stream.count {
            #expect(try Self.parseAll(Self.stream, cuts: [cut]) == whole)
            if cut + 7 < Self.stream.count { #expect(try Self.parseAll(Self.stream, cuts: [cut, cut + 7]) == whole) }
        }
        // One byte at a time.
        #expect(try Self.parseAll(Self.stream, cuts: Array(1..<Self.stream.count)) == whole)
    }

    @Test(arguments: [
        ("MSG a 1 5\r\nhelloXX", "not followed by a line break"),
        ("MSG a x 5\r\nhello\r\n", "subscription id"),
        ("MSG a 1 -5\r\nhello\r\n", "byte count"),
        ("MSG a 1 99999999999\r\n", "byte count"),
        ("MSG a 1\r\n", "arguments"),
        ("HMSG a 1 30 10\r\n", "header size"),
        ("HMSG a 1 10 10\r\nNATS/1.X\r\n\r\n\r\n", "empty line"),
        ("HMSG a 1 12 12\r\nHTTP/1.0\r\n\r\n\r\n", "not NATS/1.0"),
        ("HMSG a 1 16 16\r\nNATS/1.0 4x4\r\n\r\n\r\n", "three-digit"),
        ("HMSG a 1 21 21\r\nNATS/1.0\r\nnocolon\r\n\r\n\r\n", "no name"),
        ("BOGUS stuff\r\n", "unknown operation"),
        ("INFO {not json}\r\n", "INFO could not be read"),
    ])
    func rejectsMalformedOperationsWithTheirReason(input: String, reason: String) throws {
        var parser = NATSProtocolParser(maximumPayload: 1_000_000)
        Array(input.utf8).withUnsafeBytes { parser.append($0) }
        do {
            while try parser.next() != nil {}
            Issue.record("accepted \(input.debugDescription)")
        } catch let error as NATSError {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test func refusesAnEndlessControlLine() throws {
        var parser = NATSProtocolParser()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 8192)
        var failed = false
        for _ in 0..<20 {
            chunk.withUnsafeBytes { parser.append($0) }
            do { _ = try parser.next() } catch {
                failed = "\(error)".contains("control line longer")
                break
            }
        }
        #expect(failed)
    }

    @Test func carriesAHugePayloadAcrossManyReads() throws {
        let payload = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = Array("MSG big 3 \(payload.count)\r\n".utf8) + payload + [0x0D, 0x0A]
        let cuts = Array(stride(from: 65_536, to: bytes.count, by: 65_536))
        let operations = try NATSProtocolParserTests.parseAll(bytes, cuts: cuts)
        #expect(operations == [.message(sid: 3, NATSMessage(subject: "big", payload: payload))])
    }

    @Test func encodesPublishesWithAndWithoutHeaders() throws {
        var out: [UInt8] = []
        try Array("hi".utf8).withUnsafeBytes { try NATSCommand.publish("a.b", replyTo: nil, headers: nil, payload: $0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "PUB a.b 2\r\nhi\r\n")
        out = []
        try Array("hi".utf8).withUnsafeBytes {
            try NATSCommand.publish("a.b", replyTo: "r.1", headers: NATSHeaders([("Nats-Msg-Id", "x1")]), payload: $0, into: &out)
        }
        #expect(String(decoding: out, as: UTF8.self) == "HPUB a.b r.1 29 31\r\nNATS/1.0\r\nNats-Msg-Id: x1\r\n\r\nhi\r\n")
        // What we send, the parser reads back (as the server would deliver it).
        let delivered = "HMSG a.b 1 r.1 29 31\r\n" + String(decoding: out, as: UTF8.self).split(separator: "\r\n", maxSplits: 1)[1]
        let operations = try NATSProtocolParserTests.parseAll(Array(delivered.utf8), cuts: [])
        #expect(operations == [.message(sid: 1, NATSMessage(subject: "a.b", replyTo: "r.1", headers: NATSHeaders([("Nats-Msg-Id", "x1")]),
                                                            payload: Array("hi".utf8)))])
    }

    @Test(arguments: ["", "a..b", "a b", "a.\n", "a.*", "a.>", "a.b*"])
    func refusesSubjectsThatWouldCorruptTheProtocol(subject: String) {
        var out: [UInt8] = []
        #expect(throws: NATSError.self) {
            try [UInt8]().withUnsafeBytes { try NATSCommand.publish(subject, replyTo: nil, headers: nil, payload: $0, into: &out) }
        }
    }

    @Test func allowsWildcardsOnlyAsWholeTokensWhenSubscribing() throws {
        _ = try NATSCommand.subscribe("a.*.c", queueGroup: nil, sid: 1)
        _ = try NATSCommand.subscribe("a.>", queueGroup: "workers", sid: 2)
        #expect(throws: NATSError.self) { try NATSCommand.subscribe("a.>.c", queueGroup: nil, sid: 3) }
        #expect(throws: NATSError.self) { try NATSCommand.subscribe("a.b*", queueGroup: nil, sid: 4) }
    }

    @Test func refusesHeadersThatWouldBreakTheBlock() {
        #expect(throws: NATSError.self) { try NATSHeaders([("a:b", "v")]).encoded() }
        #expect(throws: NATSError.self) { try NATSHeaders([("name", "two\r\nlines")]).encoded() }
        #expect(throws: NATSError.self) { try NATSHeaders([("", "v")]).encoded() }
    }

    @Test func headerBlocksDecodeByteByByte() throws {
        func decode(_ text: String) throws -> NATSHeaders { try NATSHeaders.decode(ArraySlice(Array(text.utf8))) }
        let fields = try decode("NATS/1.0\r\nNats-Msg-Id:  b1-7 \t\r\nX:\r\nX: two: parts\r\nÜnï: çödé\r\n\r\n")
        #expect(fields.status == nil)
        #expect(fields.fields.map(\.name) == ["Nats-Msg-Id", "X", "X", "Ünï"])
        #expect(fields.fields.map(\.value) == ["b1-7", "", "two: parts", "çödé"])
        #expect(fields["x"] == "")
        let heartbeat = try decode("NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 5\r\n\r\n")
        #expect(heartbeat.status == 100 && heartbeat.statusDescription == "Idle Heartbeat" && heartbeat["Nats-Last-Consumer"] == "5")
        let bare = try decode("NATS/1.0 503\r\n\r\n")
        #expect(bare.status == 503 && bare.statusDescription.isEmpty && bare.fields.isEmpty)
        for (bad, reason) in [("NATS/1.0 0404\r\n\r\n", "three-digit"), ("NATS/1.0 099\r\n\r\n", "three-digit"),
                              ("NATS/1.0\r\n: v\r\n\r\n", "no name"), ("NATS/1.0\r\nA: b\r\n\r\nC: d\r\n\r\n", "no name"),
                              ("NATS/1.0\r\nA: b\r\n", "empty line"), ("", "empty line")] {
            do {
                _ = try decode(bad)
                Issue.record("\(bad.debugDescription) decoded")
            } catch {
                #expect("\(error)".contains(reason), "\(bad.debugDescription): \(error)")
            }
        }
        #expect(throws: NATSError.self) { try NATSHeaders.decode(ArraySlice(Array("NATS/1.0\r\nA: ".utf8) + [0xFF] + Array("\r\n\r\n".utf8))) }
    }
}

@Suite struct PublishAcknowledgementTests {
    @Test func theCompactFormIsReadDirectlyAndAgreesWithTheJSONDecoder() throws {
        for text in [#"{"stream":"READINGS","seq":1}"#, #"{"stream":"S_X-1","seq":18446744073709551615,"duplicate":true}"#,
                     #"{"stream":"Ünï","seq":0}"#] {
            let fast = try #require(PublishAcknowledgement(compact: Array(text.utf8)), "\(text)")
            let decoded = try JSONDecoder().decode(PublishAcknowledgement.self, from: Data(text.utf8))
            #expect(fast == decoded)
        }
    }

    @Test func anythingElseIsLeftToTheJSONDecoder() {
        for text in [#"{"stream":"S","seq":18446744073709551616}"#, #"{"stream":"S","seq":01}"#, #"{"stream":"","seq":1}"#,
                     #"{"stream":"S\"x","seq":1}"#, #"{"stream":"S","seq":1,"domain":"hub"}"#, #"{"stream":"S","seq":1} "#,
                     #"{"stream":"S","seq":}"#, #"{"stream":"S"}"#, #"{ "stream":"S","seq":1}"#, #"{"stream":"S","seq":1,"duplicate":false}"#,
                     #"{"error":{"code":503,"description":"no responders"}}"#, ""] {
            #expect(PublishAcknowledgement(compact: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func errorsAndOtherFormsStillDecode() throws {
        let withDomain = NATSMessage(subject: "_INBOX.x", replyTo: nil, headers: nil, payload: Array(#"{"stream":"S","seq":7,"domain":"hub"}"#.utf8))
        #expect(try JetStream.acknowledgement(withDomain, subject: "a").sequence == 7)
        let refused = NATSMessage(subject: "_INBOX.x", replyTo: nil, headers: nil,
                                  payload: Array(#"{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}"#.utf8))
        #expect(throws: JetStreamAPIError.self) { try JetStream.acknowledgement(refused, subject: "a") }
    }
}

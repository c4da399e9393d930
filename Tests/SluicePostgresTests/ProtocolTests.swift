import Testing
import SluiceCore
@testable import SluicePostgres

/// The protocol's messages: what the client sends, byte for byte as the protocol documents
/// them, and what it reads from the server, however the bytes arrive and however they are
/// damaged.
@Suite struct ProtocolTests {
    @Test func frontendMessagesAreEncodedAsTheProtocolSays() throws {
        let startup = try FrontendMessage.startup(user: "ann", parameters: [("database", "shop")]).encoded()
        #expect(startup == [0, 0, 0, 32, 0, 3, 0, 0] + Array("user\0ann\0database\0shop\0".utf8) + [0])
        #expect(try FrontendMessage.query("SELECT 1").encoded() == [UInt8(ascii: "Q"), 0, 0, 0, 13] + Array("SELECT 1\0".utf8))
        #expect(try FrontendMessage.sync.encoded() == [UInt8(ascii: "S"), 0, 0, 0, 4])
        #expect(try FrontendMessage.bind(portal: "", statement: "s1", parameters: [Array("42".utf8), nil], resultFormats: []).encoded()
                == [UInt8(ascii: "B"), 0, 0, 0, 24, 0, UInt8(ascii: "s"), UInt8(ascii: "1"), 0, 0, 0, 0, 2, 0, 0, 0, 2,
                    UInt8(ascii: "4"), UInt8(ascii: "2"), 0xFF, 0xFF, 0xFF, 0xFF, 0, 0])
        #expect(try FrontendMessage.cancelRequest(processID: 7, secretKey: -1).encoded() == [0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 7, 255, 255, 255, 255])
        #expect(try FrontendMessage.saslInitialResponse(mechanism: "SCRAM-SHA-256", data: Array("n,,".utf8)).encoded()
                == [UInt8(ascii: "p"), 0, 0, 0, 25] + Array("SCRAM-SHA-256\0".utf8) + [0, 0, 0, 3] + Array("n,,".utf8))
    }

    @Test func whatTheProtocolCannotCarryIsAnErrorNotDamage() {
        #expect(throws: PostgresProtocolError.self) { try FrontendMessage.query("SELECT '\u{0}'").encoded() }
        #expect(throws: PostgresProtocolError.self) {
            try FrontendMessage.bind(portal: "", statement: "", parameters: Array(repeating: nil, count: 40_000), resultFormats: []).encoded()
        }
    }

    /// A conversation as a server sends it: authentication, parameters, a result, ready.
    static let conversation: [UInt8] = {
        var bytes: [UInt8] = []
        func message(_ type: Character, _ body: [UInt8]) {
            let length = body.count + 4
            bytes += [UInt8(ascii: type.unicodeScalars.first!), 0, 0, UInt8(length >> 8), UInt8(length & 0xFF)] + body
        }
        message("R", [0, 0, 0, 10] + Array("SCRAM-SHA-256\0\0".utf8))
        message("R", [0, 0, 0, 0])
        message("S", Array("server_version\015.18\0".utf8))
        message("K", [0, 0, 0, 42, 0, 0, 0, 7])
        message("T", [0, 1] + Array("n\0".utf8) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 255, 255, 255, 255, 0, 0])
        message("D", [0, 2, 0, 0, 0, 2] + Array("42".utf8) + [255, 255, 255, 255])
        message("C", Array("SELECT 1\0".utf8))
        message("E", Array("SERROR\0C42P01\0Mrelation \"x\" does not exist\0\0".utf8))
        message("Z", [UInt8(ascii: "I")])
        return bytes
    }()

    static let expected: [BackendMessage] = [
        .authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])),
        .authentication(.ok),
        .parameterStatus(name: "server_version", value: "15.18"),
        .backendKeyData(processID: 42, secretKey: 7),
        .rowDescription([.init(name: "n", tableOID: 0, columnNumber: 0, typeOID: 23, typeSize: 4, typeModifier: -1, format: 0)]),
        .dataRow([Array("42".utf8), nil]),
        .commandComplete("SELECT 1"),
        .errorResponse([UInt8(ascii: "S"): "ERROR", UInt8(ascii: "C"): "42P01", UInt8(ascii: "M"): "relation \"x\" does not exist"]),
        .readyForQuery(transactionStatus: UInt8(ascii: "I")),
    ]

    @Test func messagesAreReadWhateverTheBytesArriveIn() throws {
        for piece in [1, 2, 3, 7, 64, Self.conversation.count] {
            var reader = BackendMessageReader()
            var messages: [BackendMessage] = []
            var offset = 0
            while offset < Self.conversation.count {
                reader.append(Self.conversation[offset..<min(offset + piece, Self.conversation.count)])
                offset += piece
                while let message = try reader.next() { messages.append(message) }
            }
            #expect(messages == Self.expected, "in pieces of \(piece)")
            #expect(reader.pendingByteCount == 0)
        }
    }

    @Test func damagedRepliesAreErrorsNotCrashes() {
        let damaged: [[UInt8]] = [
            [UInt8(ascii: "Z"), 0, 0, 0, 3],                                    // a length shorter than itself
            [UInt8(ascii: "Z"), 0x7F, 0xFF, 0xFF, 0xFF],                        // 2 GiB
            [UInt8(ascii: "Z"), 0, 0, 0, 6, 0x49, 0x49],                        // a byte left over
            [UInt8(ascii: "D"), 0, 0, 0, 10, 0, 1, 0, 0, 0, 9, 1, 2],           // a value past its end
            [UInt8(ascii: "D"), 0, 0, 0, 10, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE],     // a length of -2
            [UInt8(ascii: "S"), 0, 0, 0, 7, 0x61, 0x62, 0x63],                  // a string with no end
            [UInt8(ascii: "C"), 0, 0, 0, 7, 0xC3, 0x28, 0],                     // not UTF-8
            [UInt8(ascii: "?"), 0, 0, 0, 4],                                    // an unknown type
            [UInt8(ascii: "T"), 0, 0, 0, 6, 0xFF, 0xFF],                        // a negative count
        ]
        for bytes in damaged {
            var reader = BackendMessageReader()
            reader.append(bytes)
            #expect(throws: PostgresProtocolError.self, "\(bytes)") { _ = try reader.next() }
        }
        // Random bytes after a valid start: never a crash, a hang or an accepted message that is not one.
        var random = SplitMix64(seed: 13)
        for _ in 0..<3_000 {
            var bytes = Self.conversation
            for _ in 0..<Int(random.next() % 4 + 1) {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            var reader = BackendMessageReader()
            reader.append(bytes)
            for _ in 0..<20 {
                guard let message = try? reader.next() else { break }
                _ = message
            }
        }
    }
}

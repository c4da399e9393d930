import Foundation

/// The operations a client sends, encoded for the wire. Subjects are checked here, so that a
/// subject with a space or a line break is an error rather than a corrupt protocol line.
enum NATSCommand {
    /// `CONNECT {...}` with the credentials given; the text is sent, never logged.
    static func connect(name: String, user: String?, password: String?, token: String?) throws -> [UInt8] {
        struct Options: Encodable {
            var verbose = false
            var pedantic = false
            var tls_required = false
            var name: String
            var lang = "swift"
            var version = "sluice"
            var `protocol` = 1
            var headers = true
            var no_responders = true
            var user: String?
            var pass: String?
            var auth_token: String?
        }
        let options = Options(name: name, user: user, pass: password, auth_token: token)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array("CONNECT ".utf8) + (try encoder.encode(options)) + [0x0D, 0x0A]
    }

    /// `PUB` or, with headers, `HPUB`, appended to `out`.
    static func publish(_ subject: String, replyTo: String?, headers: NATSHeaders?, payload: UnsafeRawBufferPointer,
                        into out: inout [UInt8]) throws {
        try checkSubject(subject, wildcards: false)
        if let replyTo { try checkSubject(replyTo, wildcards: false) }
        let headerBlock = try headers?.encoded()
        out += headerBlock == nil ? Array("PUB ".utf8) : Array("HPUB ".utf8)
        out += subject.utf8
        if let replyTo {
            out.append(0x20)
            out += replyTo.utf8
        }
        if let headerBlock {
            out += " \(headerBlock.count) \(headerBlock.count + payload.count)\r\n".utf8
            out += headerBlock
        } else {
            out += " \(payload.count)\r\n".utf8
        }
        out += payload
        out += [0x0D, 0x0A]
    }

    /// `SUB subject [queue] sid`.
    static func subscribe(_ subject: String, queueGroup: String?, sid: UInt64) throws -> [UInt8] {
        try checkSubject(subject, wildcards: true)
        if let queueGroup { try checkSubject(queueGroup, wildcards: false) }
        return Array("SUB \(subject)\(queueGroup.map { " " + $0 } ?? "") \(sid)\r\n".utf8)
    }

    /// `UNSUB sid`.
    static func unsubscribe(sid: UInt64) -> [UInt8] { Array("UNSUB \(sid)\r\n".utf8) }

    static let ping = Array("PING\r\n".utf8)
    static let pong = Array("PONG\r\n".utf8)

    /// A subject is tokens of printable characters without spaces, separated by single dots;
    /// `*` and `>` only where wildcards are allowed, as whole tokens (`>` last). One pass over
    /// the bytes: every published message is checked.
    static func checkSubject(_ subject: String, wildcards: Bool) throws {
        var text = subject
        let valid = text.withUTF8 { bytes -> Bool in
            var tokenStart = true       // at the first byte of a token
            var wildcardToken = false   // the token so far is a lone wildcard
            var fullWildcard = false    // a token was '>': nothing may follow it
            for byte in bytes {
                if fullWildcard { return false }
                switch byte {
                case 0...0x20, 0x7F:
                    return false
                case UInt8(ascii: "."):
                    if tokenStart { return false }
                    tokenStart = true
                    wildcardToken = false
                case UInt8(ascii: "*"), UInt8(ascii: ">"):
                    if !wildcards || !tokenStart { return false }
                    tokenStart = false
                    wildcardToken = true
                    fullWildcard = byte == UInt8(ascii: ">")
                default:
                    if wildcardToken { return false }
                    tokenStart = false
                }
            }
            return !tokenStart   // not empty, and not ending with '.'
        }
        if !valid { throw NATSError.invalidArgument(describe(subject, wildcards: wildcards)) }
    }

    /// Why `subject` is not valid (the slow path, for the error only).
    private static func describe(_ subject: String, wildcards: Bool) -> String {
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        if subject.isEmpty || tokens.contains(where: \.isEmpty) { return "subject '\(subject)' is empty or has an empty token" }
        if subject.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) { return "subject '\(subject)' holds a space or a control character" }
        if !wildcards { return "subject '\(subject)' holds a wildcard where none is allowed" }
        return "subject '\(subject)' uses a wildcard inside a token, or '>' before the last token"
    }
}

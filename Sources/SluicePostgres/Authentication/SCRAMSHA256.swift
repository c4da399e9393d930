import Foundation
import SluiceCrypto

/// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: PostgreSQL's
/// default password authentication, which never sends the password and checks that the server
/// knows it too.
///
/// The exchange, as a value that returns the messages to send:
///
/// ```swift
/// var scram = SCRAMSHA256Client(password: secret)
/// send(scram.clientFirstMessage)                               // SASLInitialResponse
/// send(try scram.clientFinalMessage(serverFirst: received))     // SASLResponse
/// try scram.verify(serverFinal: receivedFinal)                  // AuthenticationSASLFinal
/// ```
///
/// No channel binding (the connection has no TLS). PostgreSQL takes the user name from the
/// startup message, so the SCRAM user name is empty, as libpq sends it. The password is
/// prepared as SASLprep asks for the common cases — non-ASCII spaces become spaces, characters
/// mapped to nothing are removed, then NFKC — and errors never contain it.
public struct SCRAMSHA256Client: Sendable {
    /// Why the exchange failed.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What was wrong, without any secret.
        public let description: String
        init(_ description: String) { self.description = description }
    }

    private let password: [UInt8]
    private let clientNonce: String
    private var clientFirstBare: String
    private var expectedServerSignature: [UInt8]?

    /// The most iterations a server may ask for: far above PostgreSQL's 4096, and low enough
    /// that a hostile server cannot make the client compute for hours.
    public static let maximumIterations = 10_000_000

    /// A client for `password`; `nonce` is random unless given (tests give the RFC's). The
    /// user name is empty for PostgreSQL, which takes it from the startup message.
    public init(password: String, username: String = "", nonce: String? = nil) {
        self.password = Array(Self.prepare(password).utf8)
        self.clientNonce = nonce ?? Self.randomNonce()
        let name = username.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
        self.clientFirstBare = "n=" + name + ",r=" + clientNonce
    }

    /// The client-first message: no channel binding, no user name, the nonce.
    public var clientFirstMessage: String { "n,," + clientFirstBare }

    /// The client-final message with its proof, for the server-first message `serverFirst`.
    public mutating func clientFinalMessage(serverFirst: String) throws -> String {
        var nonce: String?, salt: [UInt8]?, iterations: Int?
        for attribute in serverFirst.split(separator: ",", omittingEmptySubsequences: false) {
            guard attribute.count >= 2, attribute.dropFirst().first == "=" else {
                throw Failure("the server's SCRAM message has a malformed attribute")
            }
            let value = String(attribute.dropFirst(2))
            switch attribute.first {
            case "r": nonce = value
            case "s":
                guard let decoded = Data(base64Encoded: value), !decoded.isEmpty else { throw Failure("the server's SCRAM salt is not valid base64") }
                salt = Array(decoded)
            case "i": iterations = Int(value)
            case "m": throw Failure("the server asks for a SCRAM extension this client does not support")
            default: break
            }
        }
        guard let nonce, nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw Failure("the server's SCRAM nonce does not extend the client's: the exchange is not genuine")
        }
        guard let salt else { throw Failure("the server's SCRAM message has no salt") }
        guard let iterations, (1...Self.maximumIterations).contains(iterations) else {
            throw Failure("the server's SCRAM iteration count is missing or outside 1…\(Self.maximumIterations)")
        }
        let salted = PBKDF2<SHA256>.derive(password: password, salt: salt, iterations: iterations, length: SHA256.digestSize)
        let clientKey = HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), key: salted)
        let storedKey = SHA256.hash(clientKey)
        let withoutProof = "c=biws,r=" + nonce                           // "biws" is base64 of "n,,"
        let authMessage = Array((clientFirstBare + "," + serverFirst + "," + withoutProof).utf8)
        let signature = HMAC<SHA256>.authenticationCode(for: authMessage, key: storedKey)
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        let serverKey = HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), key: salted)
        expectedServerSignature = HMAC<SHA256>.authenticationCode(for: authMessage, key: serverKey)
        return withoutProof + ",p=" + Data(proof).base64EncodedString()
    }

    /// Checks the server-final message: the server proves it knows the password too.
    public func verify(serverFinal: String) throws {
        if serverFinal.hasPrefix("e=") {
            throw Failure("the server rejected the SCRAM exchange: \(serverFinal.dropFirst(2))")
        }
        guard let expected = expectedServerSignature else { throw Failure("the SCRAM exchange has not reached its final message") }
        let verifier = serverFinal.split(separator: ",").first { $0.hasPrefix("v=") }.map { String($0.dropFirst(2)) }
        guard let verifier, let signature = Data(base64Encoded: verifier) else {
            throw Failure("the server's final SCRAM message has no valid signature")
        }
        guard Array(signature) == expected else {
            throw Failure("the server's SCRAM signature is wrong: it does not know the password, or something is in between")
        }
    }

    /// The password as SASLprep (RFC 4013) prepares it in the common cases.
    static func prepare(_ password: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in password.unicodeScalars {
            // Commonly mapped to nothing (RFC 3454 B.1).
            if [0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF].contains(scalar.value)
                || (0xFE00...0xFE0F).contains(scalar.value) { continue }
            // Non-ASCII spaces (C.1.2) become a space.
            if scalar.value != 0x20, scalar.properties.generalCategory == .spaceSeparator {
                scalars.append(" ")
                continue
            }
            scalars.append(scalar)
        }
        return String(scalars).precomposedStringWithCompatibilityMapping
    }

    /// 18 random bytes in base64, as libpq makes its nonce.
    static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }
}

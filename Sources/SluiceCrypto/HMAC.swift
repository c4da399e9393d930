/// HMAC (RFC 2104) over any ``HashFunction``: for SCRAM's keys and signatures.
///
/// ```swift
/// HMAC<SHA256>.authenticationCode(for: Array("message".utf8), key: Array("key".utf8))
/// ```
public struct HMAC<Hash: HashFunction> {
    /// The hashes with the padded key already fed: copied for each message, so that a key
    /// used many times (PBKDF2's thousands of rounds) is padded and hashed once.
    private let inner: Hash
    private let outer: Hash

    /// An authenticator with `key`.
    public init(key: [UInt8]) {
        var block = key.count > Hash.blockSize ? Hash.hash(key) : key
        block += [UInt8](repeating: 0, count: Hash.blockSize - block.count)
        var inner = Hash(), outer = Hash()
        inner.update(block.map { $0 ^ 0x36 })
        outer.update(block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The authentication code of `message`.
    public func code(for message: [UInt8]) -> [UInt8] {
        var inner = self.inner
        inner.update(message)
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The authentication code of `message` under `key`.
    public static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        HMAC(key: key).code(for: message)
    }
}

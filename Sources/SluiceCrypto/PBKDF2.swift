/// PBKDF2 (RFC 8018) with HMAC: how SCRAM derives its salted password.
public enum PBKDF2<Hash: HashFunction> {
    /// `length` bytes derived from `password` and `salt` in `iterations` rounds.
    public static func derive(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        var derived: [UInt8] = []
        var blockNumber: UInt32 = 1
        let mac = HMAC<Hash>(key: password)
        while derived.count < length {
            var u = mac.code(for: salt + [UInt8(blockNumber >> 24), UInt8(truncatingIfNeeded: blockNumber >> 16),
                                          UInt8(truncatingIfNeeded: blockNumber >> 8), UInt8(truncatingIfNeeded: blockNumber)])
            var block = u
            for _ in 1..<max(1, iterations) {
                u = mac.code(for: u)
                for index in block.indices { block[index] ^= u[index] }
            }
            derived += block
            blockNumber += 1
        }
        return Array(derived.prefix(length))
    }
}

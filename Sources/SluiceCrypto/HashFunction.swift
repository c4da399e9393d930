/// A cryptographic hash computed over bytes fed in pieces: what ``HMAC`` and ``PBKDF2`` build
/// on.
public protocol HashFunction {
    /// The bytes the hash consumes at a time (64 for SHA-256 and MD5): HMAC pads its key to it.
    static var blockSize: Int { get }
    /// The length of the digest in bytes.
    static var digestSize: Int { get }

    /// A hash of nothing yet.
    init()
    /// Feeds `bytes`.
    mutating func update(_ bytes: UnsafeRawBufferPointer)
    /// The digest of everything fed.
    consuming func finalize() -> [UInt8]
}

extension HashFunction {
    /// Feeds `bytes`.
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// The digest of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hash = Self()
        hash.update(bytes)
        return hash.finalize()
    }
}

/// The bytes as lowercase hexadecimal text.
public func hexadecimal<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}

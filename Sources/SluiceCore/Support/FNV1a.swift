/// FNV-1a, 64 bits: a fast, stable hash (the same on every run and machine, unlike
/// `Hasher`) for checksums of checkpoint parts and landed files, and for q-gram keys.
/// Enough to notice damage, not to resist an adversary.
public struct FNV1a: Sendable {
    /// The hash so far.
    public var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// An empty hash.
    @inlinable public init() {}

    /// Adds `word` (a byte, a Unicode scalar value…).
    @inlinable public mutating func combine(_ word: UInt64) {
        value = (value ^ word) &* 0x0000_0100_0000_01B3
    }

    /// The hash of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> UInt64 where Bytes.Element == UInt8 {
        var hasher = FNV1a()
        for byte in bytes { hasher.combine(UInt64(byte)) }
        return hasher.value
    }

    /// The hash of `bytes` as 16 hexadecimal digits.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = String(hash(bytes), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

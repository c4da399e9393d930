/// A 64-bit checksum of a byte stream fed in pieces of any size, eight bytes per step: what
/// pending output parts carry so that damaged or torn bytes are noticed before they are
/// published. The same on every run and machine; it finds damage, it does not resist an
/// adversary.
///
/// ```swift
/// var checksum = StreamChecksum()
/// checksum.combine(Array("hello ".utf8)); checksum.combine(Array("world".utf8))
/// checksum.hex == StreamChecksum.of(Array("hello world".utf8)).hex   // true
/// ```
public struct StreamChecksum: Sendable, Hashable {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// Bytes not yet making up a whole eight-byte word, lowest first.
    private var partial: UInt64 = 0
    private var partialCount = 0
    /// Bytes combined so far.
    public private(set) var count: Int64 = 0

    /// An empty checksum.
    public init() {}

    /// The checksum of `bytes`.
    public static func of(_ bytes: [UInt8]) -> StreamChecksum {
        var checksum = StreamChecksum()
        checksum.combine(bytes)
        return checksum
    }

    /// Adds `bytes` after what was combined so far.
    public mutating func combine(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { combine($0) }
    }

    /// Adds `bytes` after what was combined so far.
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        let total = bytes.count
        count += Int64(total)
        while partialCount > 0, partialCount < 8, index < total {
            partial |= UInt64(bytes[index]) << (8 * UInt64(partialCount))
            partialCount += 1
            index += 1
        }
        if partialCount == 8 {
            mix(partial)
            partial = 0
            partialCount = 0
        }
        while index + 8 <= total {
            mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            index += 8
        }
        while index < total {
            partial |= UInt64(bytes[index]) << (8 * UInt64(partialCount))
            partialCount += 1
            index += 1
        }
    }

    @inline(__always) private mutating func mix(_ word: UInt64) {
        state = (state ^ word) &* 0x0000_0100_0000_01B3
        state ^= state >> 29
    }

    /// The checksum of everything combined, with its length, as 16 hexadecimal digits.
    public var hex: String {
        var final = self
        final.mix(partial ^ (UInt64(partialCount) << 60))
        final.mix(UInt64(bitPattern: count))
        let digits = String(final.state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

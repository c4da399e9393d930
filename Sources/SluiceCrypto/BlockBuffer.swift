/// What MD5 and SHA-256 share: bytes are compressed 64 at a time, the rest waits for more, and
/// the end is padded with 0x80, zeros and the length in bits.
struct BlockBuffer {
    static let blockSize = 64

    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    init() {}

    /// Takes `bytes`, handing every complete block to `compress`.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ compress: (UnsafeRawBufferPointer) -> Void) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(Self.blockSize - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            guard pending.count == Self.blockSize else { return }
            pending.withUnsafeBytes { compress($0) }
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.count - offset >= Self.blockSize {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Self.blockSize)]))
            offset += Self.blockSize
        }
        pending.append(contentsOf: bytes[offset...])
    }

    /// Feeds the padding, with the length in bits big-endian (SHA-256) or little-endian (MD5).
    mutating func pad(bigEndianLength: Bool, _ compress: (UnsafeRawBufferPointer) -> Void) {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        let used = (pending.count + 1) % Self.blockSize
        tail += [UInt8](repeating: 0, count: (Self.blockSize - 8 - used + Self.blockSize) % Self.blockSize)
        for index in 0..<8 {
            let shift = UInt64(bigEndianLength ? 56 - 8 * index : 8 * index)
            tail.append(UInt8(truncatingIfNeeded: bits >> shift))
        }
        tail.withUnsafeBytes { feed($0, compress) }
    }
}

/// What MD5 and SHA-256 share: input buffered into 64-byte blocks that `compress` folds into a
/// state of 32-bit words, padding with the message length, and the state written out as the
/// digest. They differ only in their compression and byte order.
protocol BlockHash {
    /// Whether the length and the digest's words are big-endian (SHA-256) or little-endian (MD5).
    static var isBigEndian: Bool { get }
    var state: [UInt32] { get }
    var buffer: BlockBuffer { get set }
    mutating func compress(_ block: UnsafeRawBufferPointer)
}

extension BlockHash {
    /// Feeds `bytes` through the block buffer.
    mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        // Taken out while it feeds `compress`, which changes the rest of the hash.
        var buffer = BlockBuffer()
        swap(&buffer, &self.buffer)
        buffer.feed(bytes) { compress($0) }
        swap(&buffer, &self.buffer)
    }

    /// Pads, compresses the last blocks and writes the state out.
    func digest() -> [UInt8] {
        var copy = self
        var buffer = copy.buffer
        buffer.pad(bigEndianLength: Self.isBigEndian) { copy.compress($0) }
        var digest: [UInt8] = []
        digest.reserveCapacity(copy.state.count * 4)
        for word in copy.state {
            for index in 0..<4 {
                let shift = Self.isBigEndian ? 24 - 8 * index : 8 * index
                digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
            }
        }
        return digest
    }
}

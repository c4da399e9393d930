import Testing
import SluiceCore

@Suite struct StreamChecksumTests {
    @Test func theChecksumDoesNotDependOnHowTheBytesArrive() {
        var random = SplitMix64(seed: 3)
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 1_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let whole = StreamChecksum.of(bytes).hex
            for piece in [1, 2, 3, 5, 8, 13] {
                var pieces = StreamChecksum()
                var start = 0
                while start < bytes.count {
                    pieces.combine(Array(bytes[start..<min(bytes.count, start + piece)]))
                    start += piece
                }
                #expect(pieces.hex == whole, "length \(length) in pieces of \(piece)")
                #expect(pieces.count == Int64(length))
            }
        }
    }

    @Test func oneFlippedBitOrOneMoreZeroChangesIt() {
        let bytes = Array("{\"instance\" : 0}".utf8)
        var flipped = bytes
        flipped[14] ^= 1
        #expect(StreamChecksum.of(bytes).hex != StreamChecksum.of(flipped).hex)
        #expect(StreamChecksum.of(bytes).hex != StreamChecksum.of(bytes + [0]).hex)
        #expect(StreamChecksum.of([]).hex != StreamChecksum.of([0]).hex)
        #expect(StreamChecksum.of(bytes).hex.count == 16)
    }
}

/// Counts line breaks eight bytes at a time: how a file split learns the line number it
/// starts on without parsing what comes before it.
///
/// Why it is fast: a word of eight bytes is compared with the byte sought in a few integer
/// operations that flag every equal byte exactly, and the flags are counted with one
/// `popcount`; no byte is branched on.
enum LineBreakCounting {
    private static let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// One high bit in each byte of `word` that equals the byte repeated in `pattern`.
    @inline(__always) static func equalBytes(_ word: UInt64, _ pattern: UInt64) -> UInt64 {
        let difference = word ^ pattern
        return ~(((difference & lowBits) &+ lowBits) | difference | lowBits)
    }

    /// The number of `byte`s in `bytes`.
    static func count(_ byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int {
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        var total = 0
        var index = 0
        while index + 8 <= bytes.count {
            total += equalBytes(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self), pattern).nonzeroBitCount
            index += 8
        }
        while index < bytes.count {
            if bytes[index] == byte { total += 1 }
            index += 1
        }
        return total
    }

    /// The line breaks in `bytes` as the CSV parser counts them: each LF, and each CR not
    /// followed by a LF. `next` is the byte after `bytes` (`nil` at the end of the file), for
    /// a CR at the very end.
    static func csvLineBreaks(in bytes: UnsafeRawBufferPointer, next: UInt8?) -> Int {
        let lineFeeds = count(0x0A, in: bytes)
        var carriageReturns = 0
        var searchFrom = 0
        // Carriage returns are rare outside files with CRLF line ends, so look for them with
        // memchr and check the byte after each.
        while searchFrom < bytes.count,
              let found = memchr(bytes.baseAddress! + searchFrom, 0x0D, bytes.count - searchFrom) {
            let index = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            let following = index + 1 < bytes.count ? bytes[index + 1] : next
            if following != 0x0A { carriageReturns += 1 }
            searchFrom = index + 1
        }
        return lineFeeds + carriageReturns
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

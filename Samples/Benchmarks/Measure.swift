import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall time of `body`, best of `repetitions`.
func measure(repetitions: Int = 1, _ body: () async throws -> Void) async rethrows -> Duration {
    var best: Duration?
    for _ in 0..<max(1, repetitions) {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        if best == nil || elapsed < best! { best = elapsed }
    }
    return best!
}

extension Duration {
    var seconds: Double {
        let (whole, atto) = components
        return Double(whole) + Double(atto) / 1e18
    }
}

/// Peak resident memory of this process so far, in MiB.
func peakResidentMiB() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / (1024 * 1024)
    #endif
}

/// Prints one benchmark line: Sluice's time beside a hand-written loop's, and the ratio.
func report(_ name: String, sluice: Duration, loop: Duration, loopName: String, items: Int) {
    let ratio = sluice.seconds / loop.seconds
    let rate = Double(items) / sluice.seconds / 1e6
    print(String(format: "  %-34@ sluice %8.3fs (%6.2f M/s)   %-22@ %8.3fs   ratio %5.2f×",
                 name as NSString, sluice.seconds, rate, loopName as NSString, loop.seconds, ratio))
}

/// Whether two files hold the same bytes.
func sameContents(_ a: String, _ b: String) -> Bool {
    FileManager.default.contentsEqual(atPath: a, andPath: b)
}

/// Calls `body` with each line of a file read whole into memory: the way a hand-written loop
/// would do it, and a generous baseline (no streaming cost).
func forEachLine(of path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        var start = 0
        while start < bytes.count {
            let rest = bytes.count - start
            let end: Int
            if let found = memchr(bytes.baseAddress! + start, 0x0A, rest) {
                end = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            } else {
                end = bytes.count
            }
            if end > start { try body(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) }
            start = end + 1
        }
    }
}

/// Appends to a file in large writes.
final class BufferedOutput {
    let handle: FileHandle
    var buffer: [UInt8] = []

    init(path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(1 << 21)
    }

    func flushIfNeeded() throws {
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.close()
    }
}

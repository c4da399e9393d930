import Sluice

/// (c) A fast source into a slow sink: memory must stay bounded.
enum BackpressureBenchmark {
    /// Sleeps 1 ms after every 10,000 elements.
    struct SlowSink: SinkStage {
        typealias Input = Int
        var settings = StageSettings()
        var defaultName: String { "slow sink" }
        func makeWriter(_ context: StageContext) -> Writer { Writer() }
        struct Writer: SinkWriter {
            var seen = 0
            mutating func write(_ elements: [Int], failures: inout RecordFailures) async throws {
                for _ in elements {
                    seen += 1
                    if seen % 10_000 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                }
            }
        }
    }

    @inline(never)
    static func handWritten(_ count: Int) async throws {
        var seen = 0
        for _ in 0..<count {
            seen += 1
            if seen % 10_000 == 0 { try await Task.sleep(for: .milliseconds(1)) }
        }
    }

    static func run(count: Int) async throws {
        print("(c) backpressure: \(count) elements from a fast source into a sink sleeping 1 ms per 10,000")
        let before = peakResidentMiB()
        var blocked = Duration.zero
        let elapsed = try await measure {
            let report = try await Pipeline("backpressure") {
                Source.collection(0..<count)
                SlowSink()
            }.run()
            blocked = report[stage: "collection"]!.blockedOnBackpressure
        }
        let peak = peakResidentMiB()
        let loop = try await measure { try await handWritten(count) }
        report("pipeline", sluice: elapsed, loop: loop, loopName: "hand-written loop", items: count)
        print(String(format: "  peak resident memory %.1f MiB (%.1f MiB before the run; the data alone is %.0f MiB); source blocked %.2fs",
                     peak, before, Double(count * 8) / 1_048_576, blocked.seconds))
    }
}

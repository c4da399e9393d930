import Foundation
import Testing
import Sluice
import SluiceTesting
@testable import SluiceRuntime

/// A source that reads scripted batches from several partitions, advancing a manual clock
/// before each batch: how a broker source interleaves its partitions.
struct PartitionedTicks: SourceStage {
    typealias Output = Tick
    var settings = StageSettings()
    /// Each read: how far processing time moves first, then (partition, tick) in order.
    let batches: [(advance: Duration, elements: [(Int, Tick)])]
    let clock: ManualClock
    var defaultName: String { "partitioned" }

    func makeReader(_ context: StageContext) -> Reader { Reader(batches: batches, clock: clock) }

    struct Reader: PartitionedSourceReader {
        let batches: [(advance: Duration, elements: [(Int, Tick)])]
        let clock: ManualClock
        var next = 0
        var last: [Int] = []

        mutating func read(into output: inout Emitter<Tick>, limit: Int) async throws -> Bool {
            guard next < batches.count else { return false }
            let batch = batches[next]
            next += 1
            clock.advance(by: batch.advance)
            last = batch.elements.map(\.0)
            for (_, tick) in batch.elements { output.emit(tick) }
            return true
        }

        func partitionsOfLastRead() -> [Int]? { last }
    }
}

@Suite struct PartitionedSourceWatermarkTests {
    func tick(_ source: String, _ time: Int64) -> Tick { Tick(source: source, time: time) }

    func observe(_ batches: [(advance: Duration, elements: [(Int, Tick)])], idleTimeout: Duration? = nil) async throws -> [Observation] {
        let clock = ManualClock()
        let out = Collector<Observation>()
        _ = try await Pipeline("partitions") {
            PartitionedTicks(batches: batches, clock: clock)
                .eventTime(maxOutOfOrderness: .milliseconds(5)) { Timestamp(millisecondsSinceEpoch: $0.time) }
            Probe()
            Sink.collect(into: out)
        }.run(options: RunOptions(clock: clock, idleTimeout: idleTimeout))
        return out.elements
    }

    func watermarks(_ seen: [Observation]) -> [Int64] {
        seen.compactMap { if case .watermark(let time) = $0 { return time } else { return nil } }
    }

    @Test func theWatermarkIsTheMinimumOverPartitionsSoALaggingPartitionIsNotLate() async throws {
        let seen = try await observe([
            (.zero, [(0, tick("fast", 1_000)), (1, tick("slow", 100))]),
            (.zero, [(0, tick("fast", 2_000))]),
            (.zero, [(1, tick("slow", 150))]),
            (.zero, [(1, tick("slow", 400))]),
        ])
        // One watermark for the source would have been 1 995 after the second read, making
        // the slow partition's 150 and 400 late; per partition it follows the slow one.
        #expect(watermarks(seen) == [95, 145, 395, Int64.max])
        #expect(seen.filter { if case .element = $0 { return true } else { return false } }.count == 5)
    }

    @Test func anIdlePartitionStopsHoldingTheWatermarkBackAndHoldsItAgainWhenItSends() async throws {
        let seen = try await observe([
            (.zero, [(0, tick("a", 1_000)), (1, tick("b", 100))]),
            (.seconds(1), [(0, tick("a", 2_000))]),      // b silent 1 s: not idle yet (timeout 2 s)
            (.seconds(2), [(0, tick("a", 3_000))]),      // b silent 3 s: idle, a alone decides
            (.zero, [(1, tick("b", 2_500))]),            // b back: the minimum again
            (.zero, [(0, tick("a", 4_000)), (1, tick("b", 3_500))]),
        ], idleTimeout: .seconds(2))
        #expect(watermarks(seen) == [95, 2_995, 3_495, Int64.max])
    }

    @Test func whenEveryPartitionIsIdleTheWatermarkHolds() async throws {
        let seen = try await observe([
            (.zero, [(0, tick("a", 1_000)), (1, tick("b", 500))]),
            (.seconds(10), []),
            (.seconds(10), []),
            (.zero, [(1, tick("b", 600))]),
        ], idleTimeout: .seconds(2))
        // Only b sent since both went idle: its watermark alone counts.
        #expect(watermarks(seen) == [495, 595, Int64.max])
    }

    @Test func aReaderThatMiscountsItsPartitionsFailsTheRunClearly() async throws {
        struct Miscounting: SourceStage {
            typealias Output = Tick
            var settings = StageSettings()
            var defaultName: String { "miscounting" }
            func makeReader(_ context: StageContext) -> Reader { Reader() }
            struct Reader: PartitionedSourceReader {
                var done = false
                mutating func read(into output: inout Emitter<Tick>, limit: Int) async throws -> Bool {
                    guard !done else { return false }
                    done = true
                    output.emit(Tick(source: "x", time: 1))
                    output.emit(Tick(source: "x", time: 2))
                    return true
                }
                func partitionsOfLastRead() -> [Int]? { [0] }
            }
        }
        let pipeline = Pipeline("miscount") {
            Miscounting().eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.time) }
            Sink.collect(into: Collector<Tick>())
        }
        let error = await #expect(throws: (any Error).self) { try await pipeline.run() }
        #expect("\(error!)".contains("named the partitions of 1 elements but read 2"))
    }

    @Test func theStateMachineLearnsPartitionsAsTheyComeAndSkipsIdleOnes() {
        var state = PartitionWatermarks(boundMilliseconds: 10, idleTimeout: 100)
        let t0 = Timestamp(millisecondsSinceEpoch: 0)
        #expect(state.advance(now: t0) == nil)   // nothing seen: no watermark
        state.observe(eventTimes: [.init(millisecondsSinceEpoch: 50)], partitionOf: [7], now: t0)
        #expect(state.advance(now: t0) == .init(millisecondsSinceEpoch: 40))
        state.observe(eventTimes: [.init(millisecondsSinceEpoch: 20)], partitionOf: [3], now: t0)
        #expect(state.advance(now: t0) == nil)   // a newcomer behind never moves it backwards
        #expect(state.partitionCount == 2)
        state.observe(eventTimes: [.init(millisecondsSinceEpoch: 90)], partitionOf: [7], now: .init(millisecondsSinceEpoch: 150))
        #expect(state.advance(now: .init(millisecondsSinceEpoch: 150)) == .init(millisecondsSinceEpoch: 80))
        #expect(state.combined == .init(millisecondsSinceEpoch: 80))
        state.observe(eventTimes: [.min], partitionOf: [1], now: .init(millisecondsSinceEpoch: 150))
        #expect(state.advance(now: .init(millisecondsSinceEpoch: 150)) == nil)   // no event time yet: holds
    }
}

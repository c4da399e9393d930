import Testing
import Sluice
import SluiceTesting

/// Emits its first batch at once and each further batch when the matching gate opens; ends
/// after the last gate.
struct GatedSource<Element: Sendable>: SourceStage {
    typealias Output = Element
    var settings = StageSettings()
    var defaultName: String { "gated" }
    let batches: [[Element]]
    let gates: [AsyncStream<Void>]
    struct Reader: SourceReader {
        var batches: [[Element]]
        var gates: [AsyncStream<Void>]
        var waitsForGate = false
        mutating func read(into output: inout Emitter<Element>, limit: Int) async throws -> Bool {
            if waitsForGate {
                for await _ in gates.removeFirst() { break }
                try Task.checkCancellation()
            }
            if !batches.isEmpty { output.emit(contentsOf: batches.removeFirst()) }
            waitsForGate = !gates.isEmpty
            return waitsForGate
        }
    }
    func makeReader(_ context: StageContext) -> Reader { Reader(batches: batches, gates: gates) }
}

/// Waits, yielding, until `condition` holds or `limit` of real time has passed, so that a
/// broken run fails instead of hanging.
func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

@Suite struct ManualClockTests {
    @Test func sleepersWakeWhenTheClockReachesTheirDeadline() async throws {
        let clock = ManualClock(start: Timestamp(millisecondsSinceEpoch: 1_000))
        let sleeper = Task { try await clock.sleep(until: Timestamp(millisecondsSinceEpoch: 1_500)) }
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(499))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .milliseconds(1))
        try await sleeper.value
        #expect(clock.now == Timestamp(millisecondsSinceEpoch: 1_500))
    }

    @Test func cancellingASleeperThrows() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: Timestamp(millisecondsSinceEpoch: 10)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }
}

@Suite struct BatchTests {
    @Test func batchesByCountAndBytesAndFlushesTheRestAtTheEnd() throws {
        #expect(try StageHarness.run(Batch(maxCount: 3), on: Array(1...8), chunkSize: 5) == [[1, 2, 3], [4, 5, 6], [7, 8]])
        let byBytes = Batch<String>(maxCount: 100, maxBytes: 6, size: { $0.utf8.count })
        #expect(try StageHarness.run(byBytes, on: ["ab", "cd", "ef", "g", "hijklmn", "o"], chunkSize: 2)
                == [["ab", "cd", "ef"], ["g", "hijklmn"], ["o"]])
    }

    @Test func batchesByAgeInProcessingTime() throws {
        var harness = try StageHarness(Batch<Int>(maxCount: 100, maxDelay: .seconds(1)))
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 0))
        try harness.push(1, 2)
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 999))
        #expect(harness.output.isEmpty)
        try harness.advanceProcessingTime(to: Timestamp(millisecondsSinceEpoch: 1_000))
        #expect(harness.takeOutput() == [[1, 2]])
        try harness.endInput()
        #expect(harness.finish().isClean)
    }

    @Test func invalidLimitsFailTheStage() {
        #expect(throws: RecordError.self) { try StageHarness(Batch<Int>(maxCount: 0)) }
        #expect(throws: RecordError.self) { try StageHarness(Batch<Int>(maxCount: 5, maxBytes: 10)) }
    }

    @Test func aRunFlushesOldBatchesWhileTheSourceIsStillOpen() async throws {
        let clock = ManualClock()
        let (gate, release) = AsyncStream<Void>.makeStream()
        let out = Collector<[Int]>()
        let run = Task {
            try await Pipeline("micro-batches") {
                GatedSource(batches: [[1, 2, 3]], gates: [gate])
                Batch<Int>(maxCount: 100, maxDelay: .seconds(1))
                Sink.collect(into: out)
            }.run(options: RunOptions(clock: clock, tickInterval: .milliseconds(100)))
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(1_000))
        #expect(await eventually { out.elements == [[1, 2, 3]] }, "the batch flushed by age, before the input ended")
        release.yield()
        _ = try await run.value
        #expect(out.elements == [[1, 2, 3]])
    }
}

@Suite struct IdleInputTests {
    func windowsBeforeTheEnd(idleTimeout: Duration?) async throws -> [String] {
        let clock = ManualClock()
        let (firstGate, openFirst) = AsyncStream<Void>.makeStream()
        let (lastGate, openLast) = AsyncStream<Void>.makeStream()
        let (silentGate, endSilent) = AsyncStream<Void>.makeStream()
        let out = Collector<String>()
        let event: @Sendable (Tick) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.time) }
        let run = Task {
            try await Pipeline("idle") {
                Merge {
                    GatedSource(batches: [(0..<50).map { Tick(source: "busy", time: $0) }, (50..<100).map { Tick(source: "busy", time: $0) }],
                                gates: [firstGate, lastGate])
                        .eventTime(maxOutOfOrderness: .zero, event).named("busy")
                    GatedSource<Tick>(batches: [], gates: [silentGate])
                        .eventTime(maxOutOfOrderness: .zero, event).named("silent")
                }
                KeyBy(\Tick.source).window(.tumbling(.milliseconds(10)), eventTime: event) { Count() }
                Map { (result: WindowResult<String, Int>) in "\(result.key)[\(result.start.millisecondsSinceEpoch)) \(result.value)" }
                Sink.collect(into: out)
            }.run(options: RunOptions(clock: clock, tickInterval: .milliseconds(100), idleTimeout: idleTimeout))
        }
        // Both inputs go quiet; then the busy one speaks again after the idle timeout. Without
        // an idle timeout no stage needs processing time, so there is no ticker to wait for.
        if idleTimeout != nil { await clock.waitForSleepers(1) }
        clock.advance(by: .seconds(2))
        if idleTimeout != nil { await clock.waitForSleepers(1) }
        openFirst.yield()
        // Without an idle timeout nothing may close, so give up waiting sooner.
        _ = await eventually(within: idleTimeout == nil ? .milliseconds(500) : .seconds(10)) { out.elements.count >= 9 }
        let early = out.elements
        openLast.yield()
        endSilent.yield()
        _ = try await run.value
        #expect(out.elements.count == 10)
        return early
    }

    @Test func anIdleInputStopsHoldingTheWatermarkBack() async throws {
        let early = try await windowsBeforeTheEnd(idleTimeout: .seconds(1))
        #expect(early.count == 9, "windows up to the busy input's watermark closed while the silent input was idle: \(early)")
        #expect(early.first == "busy[0) 10")
    }

    @Test func withoutAnIdleTimeoutASilentInputHoldsEverything() async throws {
        let early = try await windowsBeforeTheEnd(idleTimeout: nil)
        #expect(early.isEmpty)
    }
}

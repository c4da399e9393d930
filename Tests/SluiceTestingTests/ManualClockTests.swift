import Testing
import Sluice
import SluiceTesting

@Suite struct ManualClockTests {
    @Test func waitingForSleepersEndsWhenTheRunEndsFirst() async throws {
        let clock = ManualClock()
        let collector = Collector<Int>()
        let pipeline = Pipeline("finite") {
            Source.collection([1, 2, 3])
            Map { (value: Int) in value * 2 }
            Sink.collect(into: collector)
        }
        let run = Task { try await pipeline.run(options: RunOptions(clock: clock, tickInterval: .milliseconds(100))) }
        if await clock.waitForSleepers(1, orUntilFinished: run) { clock.advance(by: .seconds(1)) }
        _ = try await run.value
        #expect(collector.elements.sorted() == [2, 4, 6])
    }

    @Test func waitingForSleepersReturnsOnceTheySleep() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(5))) }
        let never = Task<Void, any Error> { try await Task.sleep(for: .seconds(3600)) }
        #expect(await clock.waitForSleepers(1, orUntilFinished: never))
        clock.advance(by: .seconds(5))
        try await sleeper.value
        never.cancel()
    }
}

import Testing
import Sluice
import SluiceTesting

@Suite struct LateEventsTests {
    /// Events at these times with 5 ms of allowed disorder: 1, 2 and 8 arrive when the watermark
    /// is 25 or 28, beyond the end (10) plus lateness (3) of their window.
    let times: [Int64] = [4, 12, 30, 1, 33, 2, 8]

    func windowed(parallelism: Int, @FlowBuilder late: () -> some PipelineComponent<Tick, Never>)
        -> some PipelineComponent<Tick, WindowResult<String, Int>> {
        KeyBy(\Tick.source)
            .window(.tumbling(.milliseconds(10)), allowedLateness: .milliseconds(3),
                    eventTime: { Timestamp(millisecondsSinceEpoch: $0.time) }) { Count() }
            .lateEvents(late)
            .parallelism(parallelism)
            .named("per-10ms")
    }

    @Test(arguments: [1, 2]) func lateEventsReachTheirRouteTypedAndAreCounted(parallelism: Int) async throws {
        let results = Collector<WindowResult<String, Int>>()
        let late = Collector<Tick>()
        let times = times
        let window = windowed(parallelism: parallelism) { Sink.collect(into: late).named("late-sink") }
        let report = try await Pipeline("late") {
            Source.collection(times.map { Tick(source: "s", time: $0) })
                .eventTime(maxOutOfOrderness: .milliseconds(5)) { Timestamp(millisecondsSinceEpoch: $0.time) }
            window
            Sink.collect(into: results)
        }.run(options: RunOptions(chunkSize: 1, channelCapacity: 2))
        #expect(late.elements.map(\.time) == [1, 2, 8])
        #expect(report[stage: "per-10ms"]?.late == 3)
        #expect(report.totalLate == 3)
        #expect(report[stage: "per-10ms"]?.deadLettered == 0)
        #expect(report[stage: "late-sink"]?.recordsIn == 3)
        #expect(report.deadLetters.isEmpty)
        let counts = results.elements.map { "\($0.start.millisecondsSinceEpoch):\($0.value):\($0.firing)" }.sorted()
        #expect(counts == ["0:1:onTime", "10:1:onTime", "30:2:onTime"])
    }

    @Test func withoutARouteLateEventsAreDeadLetteredAndStillCounted() async throws {
        let results = Collector<WindowResult<String, Int>>()
        let report = try await Pipeline("late") {
            Source.collection([Tick(source: "s", time: 50), Tick(source: "s", time: 1)])
                .eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.time) }
            KeyBy(\Tick.source).window(.tumbling(.milliseconds(10)),
                                       eventTime: { Timestamp(millisecondsSinceEpoch: $0.time) }) { Count() }
                .named("w")
            Sink.collect(into: results)
        }.run(options: RunOptions(chunkSize: 1))
        #expect(report[stage: "w"]?.late == 1)
        #expect(report.deadLetters.map(\.rawInput) == ["Tick(source: \"s\", time: 1)"])
        #expect(report.deadLetters.first?.error.hasPrefix("late event: event time 1 ms is 49 ms behind the watermark") == true)
    }

    @Test func theRouteShowsInTheDescriptionAndValidates() {
        let pipeline = Pipeline("late") {
            Source.collection([Tick(source: "s", time: 1)])
                .eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.time) }
            windowed(parallelism: 1) {
                Map { (tick: Tick) in tick.time }
                Sink.collect(into: Collector<Int64>())
            }
            Sink.collect(into: Collector<WindowResult<String, Int>>())
        }
        #expect(pipeline.description.contains("← late events of per-10ms"))
        #expect(pipeline.dot().contains("[style=dotted, label=\"late events\"]"))
        #expect(pipeline.validate() == [])
    }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

struct Tick: Codable, Sendable, Equatable {
    var source: String
    var time: Int64
}

/// What a stage observed, in order: elements and watermarks.
enum Observation: Sendable, Equatable {
    case element(Tick)
    case watermark(Int64)
    case finished
}

/// Records every element and watermark it sees, in order.
struct Probe: TransformStage {
    var settings = StageSettings()
    var defaultName: String { "probe" }
    func makeOperator(_ context: StageContext) -> Operator { Operator() }
    struct Operator: TransformOperator {
        mutating func process(_ tick: Tick, into output: inout Emitter<Observation>) {
            output.emit(.element(tick))
        }
        mutating func onWatermark(_ watermark: Timestamp, into output: inout Emitter<Observation>) {
            output.emit(.watermark(watermark.millisecondsSinceEpoch))
        }
        mutating func finish(into output: inout Emitter<Observation>) { output.emit(.finished) }
    }
}

func ticks(_ source: String, _ times: [Int64]) -> some SourceStage<Tick> {
    Source.collection(times.map { Tick(source: source, time: $0) })
        .eventTime(maxOutOfOrderness: .milliseconds(5)) { Timestamp(millisecondsSinceEpoch: $0.time) }
        .named(source)
}

@Suite struct WatermarkTests {
    func observe(chunkSize: Int, capacity: Int = 16, @FlowBuilder _ body: () -> some PipelineComponent<Never, Tick>) async throws -> [Observation] {
        let out = Collector<Observation>()
        let source = body()
        _ = try await Pipeline("watermarks") {
            source
            Probe()
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: chunkSize, channelCapacity: capacity))
        return out.elements
    }

    @Test func watermarksTrailTheNewestEventTimeAndFollowTheirChunk() async throws {
        let seen = try await observe(chunkSize: 3) { ticks("a", [10, 12, 11, 30, 20, 25, 26]) }
        #expect(seen == [
            .element(Tick(source: "a", time: 10)), .element(Tick(source: "a", time: 12)), .element(Tick(source: "a", time: 11)),
            .watermark(7),
            .element(Tick(source: "a", time: 30)), .element(Tick(source: "a", time: 20)), .element(Tick(source: "a", time: 25)),
            .watermark(25),
            .element(Tick(source: "a", time: 26)),
            .watermark(Int64.max), .finished,
        ])
    }

    @Test func boundedInputEndsWithInfinityBeforeFinishEvenWithoutEventTime() async throws {
        let seen = try await observe(chunkSize: 10) { Source.collection([Tick(source: "x", time: 1)]) }
        #expect(seen == [.element(Tick(source: "x", time: 1)), .watermark(Int64.max), .finished])
    }

    @Test func mergedInputsHoldTheWatermarkAtTheSlowestInput() async throws {
        // Both inputs are in order, so with the minimum rule no element can arrive behind the
        // watermark; taking the maximum would let the faster input make the other's late.
        for _ in 0..<20 {
            let seen = try await observe(chunkSize: 4, capacity: 1) {
                Merge {
                    ticks("fast", Array(stride(from: 0, to: 4_000, by: 4)))
                    ticks("slow", Array(0..<1_000))
                }
            }
            var watermark = Int64.min
            for observation in seen {
                switch observation {
                case .watermark(let time):
                    #expect(time >= watermark, "watermarks never go back")
                    watermark = time
                case .element(let tick):
                    #expect(tick.time >= watermark, "\(tick) arrived behind watermark \(watermark)")
                case .finished:
                    break
                }
            }
            #expect(watermark == Int64.max)
            #expect(seen.filter { if case .element = $0 { return true } else { return false } }.count == 2_000)
        }
    }

    @Test func eventsLaterThanTheBoundArriveBehindTheWatermark() async throws {
        let seen = try await observe(chunkSize: 2) { ticks("a", [100, 101, 50, 102]) }
        let lateIndex = try #require(seen.firstIndex(of: .element(Tick(source: "a", time: 50))))
        #expect(seen[..<lateIndex].contains(.watermark(96)), "50 is late: the watermark was already 96")
    }

    @Test func theHarnessPushesWatermarks() throws {
        var harness = try StageHarness(Probe())
        try harness.push(Tick(source: "h", time: 3))
        try harness.pushWatermark(Timestamp(millisecondsSinceEpoch: 2))
        try harness.endInput()
        #expect(harness.takeOutput() == [.element(Tick(source: "h", time: 3)), .watermark(2), .watermark(Int64.max), .finished])
    }

    @Test func theDescriptionShowsTheWatermarkBound() {
        let pipeline = Pipeline("described") {
            ticks("a", [1])
            Sink.collect(into: Collector<Tick>())
        }
        #expect(pipeline.description.contains("watermark −5 ms"))
    }
}

/// A bounded run ends by moving the watermark to +∞, which fires every open window. A later
/// run that resumes from its final checkpoint with new input (a micro-batch reading what is
/// new) judges lateness from the event time the first run reached, not from +∞.
@Suite struct ResumedBoundedRunTests {
    struct Event: Codable, Sendable { var minute: Int64 }
    struct Total: Codable, Sendable, Equatable { var minute: Int64; var count: Int }

    @Test func aRunResumedAfterTheEndOfItsInputWindowsTheNewEventsAndCallsOnlyOlderOnesLate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = directory.path + "/events.jsonl", output = directory.path + "/totals.jsonl"
        func append(_ minutes: [Int64]) throws {
            let handle = FileHandle(forWritingAtPath: input) ?? {
                _ = FileManager.default.createFile(atPath: input, contents: nil)
                return FileHandle(forWritingAtPath: input)!
            }()
            handle.seekToEndOfFile()
            handle.write(Data(minutes.map { "{\"minute\":\($0)}\n" }.joined().utf8))
            handle.closeFile()
        }
        func run() async throws -> RunReport {
            try await Pipeline("resumed windows") {
                Source.jsonLines(input, as: Event.self).eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.minute * 60_000) }
                KeyBy { (_: Event) in "all" }.window(.tumbling(.seconds(60)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.minute * 60_000) }) { Count() }
                    .onError(.deadLetter)
                Map { (result: WindowResult<String, Int>) in Total(minute: result.start.millisecondsSinceEpoch / 60_000, count: result.value) }
                Sink.jsonLines(output, of: Total.self)
            }.run(checkpoints: .every(.milliseconds(50), in: directory.path + "/state"))
        }
        try append([1, 1, 2, 3, 3, 3])
        _ = try await run()
        try append([3, 4, 4, 5, 1])   // 3 is the minute the first run reached; 1 is behind it
        let second = try await run()
        let totals = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(Total.self, from: Data($0.utf8)) }
        #expect(totals == [Total(minute: 1, count: 2), Total(minute: 2, count: 1), Total(minute: 3, count: 3),
                           Total(minute: 3, count: 1), Total(minute: 4, count: 2), Total(minute: 5, count: 1)])
        #expect(second.totalDeadLettered == 1 && second.deadLetters.first?.error.contains("late event") == true, "\(second.deadLetters)")
    }
}

import Foundation
import Synchronization
import Testing
@testable import SluiceRuntime
import Sluice
import SluiceTesting

struct Failure: Error, CustomStringConvertible {
    var description: String { "element is cursed" }
}

/// A source whose reader records that it was closed.
struct TrackedSource: SourceStage {
    typealias Output = Int
    var settings = StageSettings()
    var defaultName: String { "tracked" }
    let closed: Accumulator<Bool>
    struct Reader: SourceReader {
        let closed: Accumulator<Bool>
        var next = 0
        mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
            for _ in 0..<limit { output.emit(next); next += 1 }
            return true
        }
        mutating func close() async { closed.value = true }
    }
    func makeReader(_ context: StageContext) -> Reader { Reader(closed: closed) }
}

/// A sink that records whether it was finished or aborted.
struct RecordingSink: SinkStage {
    typealias Input = Int
    var settings = StageSettings()
    var defaultName: String { "recording" }
    let outcome: Accumulator<String>
    let started: AsyncStream<Void>.Continuation
    struct Writer: SinkWriter {
        let outcome: Accumulator<String>
        let started: AsyncStream<Void>.Continuation
        mutating func write(_ elements: [Int], failures: inout RecordFailures) async throws { started.yield() }
        mutating func finish() async throws { outcome.value = "finished" }
        mutating func abort() async { outcome.value = "aborted" }
    }
    func makeWriter(_ context: StageContext) -> Writer { Writer(outcome: outcome, started: started) }
}

@Suite struct PipelineRunTests {
    @Test func runsALinearPipelineAndReportsCounts() async throws {
        let out = Collector<Int>()
        let pipeline = Pipeline("linear") {
            Source.collection(0..<10_000)
            Map { $0 * 2 }
            Filter { $0 % 3 == 0 }
            Sink.collect(into: out)
        }
        let report = try await pipeline.run(options: RunOptions(chunkSize: 100, channelCapacity: 2))
        #expect(out.elements == (0..<10_000).map { $0 * 2 }.filter { $0 % 3 == 0 })
        #expect(report[stage: "collection"]?.recordsOut == 10_000)
        #expect(report[stage: "map"]?.recordsIn == 10_000)
        #expect(report[stage: "filter"]?.recordsOut == out.elements.count)
        #expect(report[stage: "collect"]?.recordsIn == out.elements.count)
        #expect(report.description.contains("filter"))
    }

    @Test func emptyAndSingleElementInputs() async throws {
        for input in [[Int](), [42]] {
            let out = Collector<Int>()
            let report = try await Pipeline("tiny") {
                Source.collection(input)
                Map { $0 + 1 }
                Sink.collect(into: out)
            }.run()
            #expect(out.elements == input.map { $0 + 1 })
            #expect(report[stage: "map"]?.recordsIn == input.count)
        }
    }

    @Test func consecutiveStatelessStagesAreFusedIntoOneTask() {
        let pipeline = Pipeline("fused") {
            Source.collection([1])
            Map { (n: Int) in n }
            Filter { (_: Int) in true }
            CompactMap { (n: Int) -> Int? in n }
            Sink.collect(into: Collector<Int>())
        }
        let plan = PhysicalPlan(graph: pipeline.graph)
        #expect(plan.chains.count == 2, "source and the three stateless stages in one task, the sink in another")
        #expect(plan.chains[0].nodes.count == 4)
    }

    @Test func parallelResultsEqualSequentialAndKeepOrderWithinAKey() async throws {
        let out = Collector<Keyed<Int, Int>>()
        let pipeline = Pipeline("keyed") {
            Source.collection(0..<20_000)
            KeyBy { (n: Int) in n % 17 }
            Map { (pair: Keyed<Int, Int>) in pair }.parallelism(4)
            Sink.collect(into: out)
        }
        let plan = PhysicalPlan(graph: pipeline.graph)
        #expect(plan.chains.count == 3)
        _ = try await pipeline.run(options: RunOptions(chunkSize: 64, channelCapacity: 2))
        let elements = out.elements
        #expect(elements.map(\.value).sorted() == Array(0..<20_000))
        for key in 0..<17 {
            let values = elements.filter { $0.key == key }.map(\.value)
            #expect(values == values.sorted(), "order within key \(key)")
        }
    }

    @Test func everyKeyReachesTheSameInstance() async throws {
        struct InstanceTag: TransformStage {
            var settings = StageSettings()
            var defaultName: String { "tag" }
            var isStateless: Bool { true }
            func makeOperator(_ context: StageContext) -> Operator { Operator(instance: context.instance) }
            struct Operator: TransformOperator {
                let instance: Int
                mutating func process(_ element: Keyed<Int, Int>, into output: inout Emitter<[Int]>) {
                    output.emit([element.key, instance])
                }
            }
        }
        let out = Collector<[Int]>()
        _ = try await Pipeline("affinity") {
            Source.collection(0..<5_000)
            KeyBy { (n: Int) in n % 10 }
            InstanceTag().parallelism(3)
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: 50))
        var instanceOfKey: [Int: Set<Int>] = [:]
        for pair in out.elements { instanceOfKey[pair[0], default: []].insert(pair[1]) }
        #expect(instanceOfKey.count == 10)
        #expect(instanceOfKey.values.allSatisfy { $0.count == 1 })
    }

    @Test func parallelStatelessStageGivesTheSameMultiset() async throws {
        let out = Collector<Int>()
        _ = try await Pipeline("parallel") {
            Source.collection(0..<10_000)
            Map { $0 * 3 }.parallelism(2)
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: 128))
        #expect(out.elements.sorted() == (0..<10_000).map { $0 * 3 })
    }

    @Test func mergeCombinesSourcesAndFanOutFeedsEverySinkEvenWhenOneIsSlow() async throws {
        let all = Collector<Int>()
        let slow = Collector<Int>()
        _ = try await Pipeline("graph") {
            Merge {
                Source.collection(0..<3_000)
                Source.collection(3_000..<6_000)
            }
            FanOut {
                Sink.collect(into: all)
                Flow("slow") {
                    Filter { (n: Int) in n % 2 == 0 }
                    Sink.forEach { (n: Int) in
                        if n % 100 == 0 { await Task.yield() }
                        slow.append(contentsOf: [n])
                    }
                }
            }
        }.run(options: RunOptions(chunkSize: 32, channelCapacity: 1))
        #expect(all.elements.sorted() == Array(0..<6_000))
        #expect(slow.elements.sorted() == (0..<6_000).filter { $0 % 2 == 0 })
    }

    @Test func memoryStaysBoundedWhenTheSinkIsSlow() async throws {
        let produced = Atomic<Int>(0)
        let worst = Accumulator(0)
        let consumed = Accumulator(0)
        let chunk = 100
        _ = try await Pipeline("backpressure") {
            Source.generate(count: 50_000) { index -> Int in
                produced.add(1, ordering: .relaxed)
                return index
            }
            Sink.forEach { (_: Int) in
                let seen = consumed.value + 1
                consumed.value = seen
                if seen % chunk == 0 {
                    await Task.yield()
                    worst.value = max(worst.value, produced.load(ordering: .relaxed) - seen)
                }
            }
        }.run(options: RunOptions(chunkSize: chunk, channelCapacity: 2))
        #expect(consumed.value == 50_000)
        // In flight at most: the chunk being written, two buffered, one waiting to be sent,
        // one being generated.
        #expect(worst.value <= 5 * chunk, "in flight: \(worst.value)")
    }

    @Test func aFailingStageFailsTheRunNamingItAndStopsStagesBlockedOnFullChannels() async throws {
        let closed = Accumulator(false)
        // Never yields and never finishes: only cancellation frees the sink.
        let (never, keepOpen) = AsyncStream<Int>.makeStream()
        defer { keepOpen.finish() }
        let pipeline = Pipeline("failing") {
            TrackedSource(closed: closed)
            FanOut {
                Sink.forEach { (_: Int) in for await _ in never {} ; try Task.checkCancellation() }.named("stuck")
                Flow("checked") {
                    Map { (n: Int) -> Int in if n == 25 { throw Failure() }; return n }.named("validate")
                    Sink.collect(into: Collector<Int>())
                }
            }
        }
        do {
            _ = try await pipeline.run(options: RunOptions(chunkSize: 10, channelCapacity: 2))
            Issue.record("the run should fail")
        } catch let error as PipelineRunError {
            #expect(error.stage == "validate")
            #expect(String(describing: error).contains("stage 'validate': element is cursed"))
            #expect(error.report?[stage: "stuck"]?.recordsOut == 0)
        }
        #expect(closed.value, "the source was closed")
    }

    @Test func cancellingTheCallerStopsEveryStage() async throws {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let closed = Accumulator(false)
        let run = Task {
            try await Pipeline("endless") {
                TrackedSource(closed: closed)
                Map { $0 + 1 }.parallelism(2)
                Sink.forEach { (n: Int) in if n == 1_000 { signal.yield() } }
            }.run()
        }
        for await _ in started { break }
        run.cancel()
        await #expect(throws: CancellationError.self) { _ = try await run.value }
        #expect(closed.value)
    }

    @Test func cancellingARunAbortsItsSinksInsteadOfFinishingThem() async throws {
        let (started, signal) = AsyncStream<Void>.makeStream()
        let outcome = Accumulator("running")
        let closed = Accumulator(false)
        let run = Task {
            try await Pipeline("cancelled") {
                TrackedSource(closed: closed)
                RecordingSink(outcome: outcome, started: signal)
            }.run()
        }
        for await _ in started { break }
        run.cancel()
        await #expect(throws: CancellationError.self) { _ = try await run.value }
        #expect(outcome.value == "aborted")
        #expect(closed.value)
    }

    @Test func deadLettersGoToTheDeadLetterSinkWithStageAndRawInput() async throws {
        let good = Collector<Int>()
        let dead = Collector<DeadLetter>()
        let report = try await Pipeline("dead letters") {
            Source.collection(0..<1_000)
            Map { (n: Int) -> Int in if n % 100 == 7 { throw Failure() }; return n }.named("check").onError(.deadLetter)
            Sink.collect(into: good)
        }.deadLetters(to: Sink.collect(into: dead)).run(options: RunOptions(chunkSize: 64))
        #expect(good.elements.count == 990)
        #expect(dead.elements.count == 10)
        #expect(dead.elements.allSatisfy { $0.stage == "check" && $0.rawInput.hasSuffix("7") })
        #expect(report[stage: "check"]?.deadLettered == 10)
        #expect(report.deadLetters.isEmpty)
    }

    @Test func withoutADeadLetterSinkDeadLettersStayInTheReport() async throws {
        let report = try await Pipeline("report") {
            Source.collection(["1", "x", "3"])
            Map { (s: String) -> Int in guard let n = Int(s) else { throw Failure() }; return n }.onError(.deadLetter)
            Sink.collect(into: Collector<Int>())
        }.run()
        #expect(report.deadLetters.map(\.rawInput) == ["x"])
        #expect(report.totalDeadLettered == 1)
    }

    @Test func invalidPipelineFailsBeforeRunning() async throws {
        await #expect(throws: PipelineRunError.self) {
            try await Pipeline("invalid") {
                Source.collection([1])
                Sink.collect(into: Collector<Int>()).named("x")
            }.run(options: RunOptions(chunkSize: 0))
        }
    }
}

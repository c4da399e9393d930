import Testing
import Sluice
import SluiceTesting

/// Emits a running total only at end of input: fine whatever the chunking.
struct Total: TransformStage {
    var settings = StageSettings()
    var defaultName: String { "total" }
    func makeOperator(_ context: StageContext) -> Operator { Operator() }
    struct Operator: TransformOperator {
        var sum = 0
        mutating func process(_ element: Int, into output: inout Emitter<Int>) { sum += element }
        mutating func finish(into output: inout Emitter<Int>) { output.emit(sum) }
    }
}

/// A broken stage whose output depends on chunk boundaries: it emits the first element of
/// every chunk.
struct FirstOfChunk: TransformStage {
    var settings = StageSettings()
    var defaultName: String { "first of chunk" }
    func makeOperator(_ context: StageContext) -> Operator { Operator() }
    struct Operator: TransformOperator {
        mutating func process(_ element: Int, into output: inout Emitter<Int>) {}
        mutating func process(chunk: [Int], into output: inout Emitter<Int>) throws {
            if let first = chunk.first { output.emit(first) }
        }
    }
}

@Suite struct StageHarnessTests {
    @Test func finishReportsOutputNotTakenAndInputNotEnded() throws {
        var harness = try StageHarness(Map { (n: Int) in n })
        try harness.push(1, 2)
        var leftovers = harness.finish()
        #expect(!leftovers.isClean)
        #expect(leftovers.untakenOutput == 2)
        #expect(leftovers.inputStillOpen)
        _ = harness.takeOutput()
        try harness.endInput()
        leftovers = harness.finish()
        #expect(leftovers.isClean)
    }

    @Test func endOfInputFlushesBufferedState() throws {
        var harness = try StageHarness(Total())
        try harness.push(1, 2, 3)
        #expect(harness.output.isEmpty)
        try harness.endInput()
        #expect(harness.takeOutput() == [6])
    }

    @Test func chunkingVerifierCatchesAChunkDependentStage() throws {
        #expect(try StageHarness.chunkingDifference(Total(), on: Array(1...20)) == nil)
        let difference = try StageHarness.chunkingDifference(FirstOfChunk(), on: Array(1...20))
        #expect(difference?.contains("chunks of 1") == true)
    }

    @Test func harnessReportsTheStageNameInDeadLetters() throws {
        var harness = try StageHarness(CompactMap { (s: String) -> Int? in
            guard let n = Int(s) else { throw RecordError("not a number: \(s)") }
            return n
        }.named("parse").onError(.deadLetter))
        try harness.push("1", "zwei", "3")
        #expect(harness.takeOutput() == [1, 3])
        #expect(harness.deadLetters == [DeadLetter(stage: "parse", error: "not a number: zwei", rawInput: "zwei")])
    }

    @Test func sourceHarnessReadsInChunksAndCloses() async throws {
        let result = try await SourceHarness.readAll(Source.generate(count: 10) { $0 * $0 }, chunkSize: 3)
        #expect(result.elements == (0..<10).map { $0 * $0 })
        #expect(result.chunks == 4)
    }

    @Test func emptyInputIsFine() async throws {
        #expect(try StageHarness.run(Total(), on: [], chunkSize: 5) == [0])
        #expect(try await SourceHarness.readAll(Source.collection([Int]())).elements.isEmpty)
    }

    @Test func temporaryDirectoryWritesReadsAndRemoves() throws {
        let directory = try TemporaryDirectory()
        try directory.write("héllo", to: "a.txt")
        #expect(try directory.read("a.txt") == "héllo")
        #expect(try directory.contents() == ["a.txt"])
        directory.remove()
        #expect(throws: (any Error).self) { try directory.contents() }
    }
}

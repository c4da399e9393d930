import Testing
import Sluice
import SluiceTesting

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

@Suite struct OperatorTests {
    @Test func mapTransformsEveryElementInOrder() throws {
        var harness = try StageHarness(Map { (n: Int) in "#\(n)" })
        try harness.push(1, 2, 3)
        try harness.endInput()
        #expect(harness.takeOutput() == ["#1", "#2", "#3"])
        #expect(harness.finish().isClean)
    }

    @Test func filterKeepsMatchingElements() throws {
        #expect(try StageHarness.run(Filter { (n: Int) in n % 2 == 0 }, on: Array(0..<10), chunkSize: 3) == [0, 2, 4, 6, 8])
    }

    @Test func compactMapDropsNil() throws {
        #expect(try StageHarness.run(CompactMap { (s: String) in Int(s) }, on: ["1", "x", "3"], chunkSize: 2) == [1, 3])
    }

    @Test func flatMapEmitsEverythingInOrder() throws {
        let stage = FlatMap { (s: String) in s.split(separator: " ").map(String.init) }
        #expect(try StageHarness.run(stage, on: ["a b", "", "c"], chunkSize: 1) == ["a", "b", "c"])
    }

    @Test func keyByPairsElementsWithKeysAndDeclaresKeyPartitioning() throws {
        let stage = KeyBy { (word: String) in word.first! }
        let output = try StageHarness.run(stage, on: ["apple", "avocado", "banana"], chunkSize: 10)
        #expect(output.map(\.key) == ["a", "a", "b"])
        #expect(stage.outputPartitioning.partitioner != nil)
        let split = stage.outputPartitioning.partitioner!.split(ErasedChunk(output), 4)
        let parts = split.map { $0.elements(as: Keyed<Character, String>.self) }
        #expect(parts.reduce(0) { $0 + $1.count } == 3)
        #expect(parts.filter { $0.contains { $0.key == "a" } }.count == 1, "one key, one partition")
    }

    @Test func outputDoesNotDependOnChunking() throws {
        #expect(try StageHarness.chunkingDifference(Map { (n: Int) in n * n }, on: Array(0..<50)) == nil)
        #expect(try StageHarness.chunkingDifference(FlatMap { (n: Int) in [n, n] }, on: Array(0..<20)) == nil)
    }

    @Test func failPolicyThrowsTheRecordError() throws {
        var harness = try StageHarness(Map { (n: Int) -> Int in if n == 2 { throw Boom() }; return n })
        #expect(throws: RecordError.self) { try harness.push(1, 2, 3) }
    }

    @Test func skipPolicyCountsAndContinues() throws {
        var harness = try StageHarness(Map { (n: Int) -> Int in if n == 2 { throw Boom() }; return n }.onError(.skip))
        try harness.push(1, 2, 3)
        #expect(harness.takeOutput() == [1, 3])
        #expect(harness.skipped == 1)
        #expect(harness.deadLetters.isEmpty)
    }

    @Test func deadLetterPolicyKeepsStageErrorAndRawInput() throws {
        let stage = Map { (n: Int) -> Int in if n == 2 { throw Boom() }; return n }.named("checked").onError(.deadLetter)
        var harness = try StageHarness(stage)
        try harness.push(1, 2, 3)
        #expect(harness.takeOutput() == [1, 3])
        #expect(harness.deadLetters == [DeadLetter(stage: "checked", error: "boom", rawInput: "2")])
    }
}

import Testing
import Sluice
import SluiceTesting

@Suite struct RunOptionsIndependenceTests {
    func wordCounts(chunkSize: Int, capacity: Int) async throws -> [String] {
        let lines = (0..<2_000).map { index in "line \(index % 37) has \(index % 5) words ünïcödé" }
        let out = Collector<String>()
        _ = try await Pipeline("words") {
            Source.collection(lines)
            FlatMap { (line: String) in line.split(separator: " ").map(String.init) }
            Filter { (word: String) in word.count > 2 }
            KeyBy { (word: String) in word }
            Map { (word: Keyed<String, String>) in word.key.uppercased() }.parallelism(3)
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: chunkSize, channelCapacity: capacity))
        return out.elements
    }

    @Test func resultsDoNotDependOnChunkSizeOrChannelCapacity() async throws {
        let reference = try await wordCounts(chunkSize: 1024, capacity: 16).sorted()
        #expect(reference.count == 2_000 * 4)
        for (chunk, capacity) in [(1, 1), (7, 1), (64, 3), (100_000, 1)] {
            #expect(try await wordCounts(chunkSize: chunk, capacity: capacity).sorted() == reference, "chunk \(chunk), capacity \(capacity)")
        }
    }

    @Test func manyMergedProducersUnderTightCapacityDeliverEverything() async throws {
        let total = Accumulator(0)
        let count = Accumulator(0)
        let report = try await Pipeline("merge stress") {
            Merge {
                Source.collection(0..<10_000)
                Source.collection(10_000..<20_000)
                Source.generate(count: 10_000) { 20_000 + $0 }
                Source.collection(30_000..<40_000)
                Source.collection([Int]())
            }
            Map { (n: Int) in n }.parallelism(3)
            Sink.forEach { (n: Int) in
                total.value += n
                count.value += 1
            }
        }.run(options: RunOptions(chunkSize: 16, channelCapacity: 1))
        #expect(count.value == 40_000)
        #expect(total.value == (0..<40_000).reduce(0, +))
        #expect(report[stage: "map"]?.recordsIn == 40_000)
    }

    @Test func aFailingSinkFailsTheRunNamingIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        await #expect {
            try await Pipeline("sink fails") {
                Source.collection(0..<1_000)
                FanOut {
                    Sink.forEach { (n: Int) in if n == 900 { throw RecordError("disk full") } }.named("fragile")
                    Sink.jsonLines(directory.file("out.jsonl"), of: Int.self)
                }
            }.run(options: RunOptions(chunkSize: 50))
        } throws: { error in
            (error as? PipelineRunError)?.stage == "fragile" && "\(error)".contains("disk full")
        }
        #expect(try directory.contents().isEmpty, "the other sink published nothing")
    }

    @Test func aSourceErrorUnderFailPolicyNamesTheSourceAndRecord() async throws {
        await #expect {
            try await Pipeline("source fails") {
                Source.generate(count: 100) { (index: Int) -> Int in
                    if index == 42 { throw RecordError("sensor offline") }
                    return index
                }.named("sensors")
                Sink.collect(into: Collector<Int>())
            }.run()
        } throws: { error in
            (error as? PipelineRunError)?.stage == "sensors" && "\(error)".contains("generator:42: sensor offline")
        }
    }
}

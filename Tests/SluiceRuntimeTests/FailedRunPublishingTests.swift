import Foundation
import Testing
import Sluice
import SluiceTesting

/// A sink that fails while making its output durable, as a file sink does on a full disk.
struct FailsWhenFinishing: SinkStage {
    typealias Input = Int
    var settings = StageSettings()
    var defaultName: String { "failsWhenFinishing" }
    func makeWriter(_ context: StageContext) throws -> Writer { Writer() }
    struct Writer: SinkWriter {
        mutating func write(_ elements: [Int], failures: inout RecordFailures) async throws {}
        mutating func prepareToFinish() async throws {
            throw RecordError("cannot write out/last.jsonl: No space left on device")
        }
    }
}

@Suite struct FailedRunPublishingTests {
    @Test func whenOneSinkCannotFinishNoSinkOfTheRunPublishes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pipeline = Pipeline("all-or-nothing") {
            Source.collection(Array(0..<5_000))
            Filter { (value: Int) throws -> Bool in
                if value == 13 { throw RecordError("unlucky") }
                return true
            }.onError(.deadLetter)
            FanOut {
                Flow { Sink.jsonLines(directory.file("out/all.jsonl"), of: Int.self) }
                Flow { Sink.csv(directory.file("out/all.csv"), of: Int.self) }
                Flow { FailsWhenFinishing() }
            }
        }.deadLetters(to: Sink.jsonLines(directory.file("out/dead-letters.jsonl"), of: DeadLetter.self))
        await #expect(throws: PipelineRunError.self) { _ = try await pipeline.run() }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: directory.file("out"))) ?? []
        #expect(left.isEmpty, "published or left behind: \(left)")
    }
}

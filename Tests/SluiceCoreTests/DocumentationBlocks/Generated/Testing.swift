// Generated from Documentation/Testing.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Testing {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Order: Codable, Sendable { var id: String }
    static func order(_ id: String) -> Order { Order(id: id) }
    struct DropRepeatedIDs: TransformStage {
        var settings = StageSettings()
        var defaultName: String { "drop repeated ids" }
        func makeOperator(_ context: StageContext) -> Operator { Operator() }
        struct Operator: TransformOperator {
            var seen: Set<String> = []
            mutating func process(_ order: Order, into output: inout Emitter<Order>) { if seen.insert(order.id).inserted { output.emit(order) } }
        }
    }
    struct Person: Codable, Sendable, Equatable { var name: String; var age: Int }
    static let ann = Person(name: "Ann", age: 3)
    static let path = "people.csv"
    static let directory = try! TemporaryDirectory()

    // Documentation/Testing.md, line 27
    static func block1() async throws {

        func dropsRepeatedIDs() throws {
            var harness = try StageHarness(DropRepeatedIDs())
            try harness.push(order("a"), order("b"))
            try harness.push(order("a"))
            try harness.endInput()
            #expect(harness.takeOutput().map(\.id) == ["a", "b"])
            #expect(harness.finish().isClean)          // no output left untaken, input ended
        }
    }

    // Documentation/Testing.md, line 62
    static func block2() async throws {
        func readsBadRowsAsDeadLetters() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let path = try directory.write("name,age\nAnn,3\nBob,x\n", to: "people.csv")
            let result = try await SourceHarness.readAll(Source.csv(path, as: Person.self).onError(.deadLetter))
            #expect(result.elements.count == 1)
            #expect(result.deadLetters.first?.location?.line == 3)
        }
    }

    // Documentation/Testing.md, line 77
    static func block3() async throws {
        var before = try StageHarness(Batch<Int>(maxCount: 3))
        try before.push(1, 2)
        let saved = try before.snapshot()                  // what a checkpoint stores
        var after = try StageHarness(Batch<Int>(maxCount: 3))
        try after.restore(from: [saved])                   // every old instance's snapshot
        try after.push(3)
        #expect(after.takeOutput() == [[1, 2, 3]])
        _ = before
        _ = saved
        _ = after
    }

    // Documentation/Testing.md, line 89
    static func block4() async throws {
        #expect(try await SourceHarness.resumptionDifference(Source.csv(path, as: Person.self), chunkSize: 2) == nil)
    }

    // Documentation/Testing.md, line 95
    static func block5() async throws {
        var sink = try await SinkHarness(Sink.jsonLines(directory.file("out.jsonl"), of: Person.self))
        try await sink.write([ann])
        try await sink.finish()      // or: await sink.abort()
        _ = sink
    }

    // Documentation/Testing.md, line 108
    static func block6() async throws {
        let clock = ManualClock()
        let run = Task { try await pipeline.run(options: RunOptions(clock: clock, tickInterval: .milliseconds(100))) }
        if await clock.waitForSleepers(1, orUntilFinished: run) {   // the runtime waits for its next tick
            clock.advance(by: .seconds(2))   // the tick fires: batches older than their maxDelay flush
        }
        let report = try await run.value
        _ = clock
        _ = run
        _ = report
    }
}

@Suite struct Doc_Testing_Runs {
    @Test func block2() async throws { try await Doc_Testing.block2() }
}

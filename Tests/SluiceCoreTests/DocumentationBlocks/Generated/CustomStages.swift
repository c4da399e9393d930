// Generated from Documentation/CustomStages.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_CustomStages {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/CustomStages.md, line 19
    struct DropRepeatedIDs: TransformStage {
        var settings = StageSettings()
        var defaultName: String { "drop repeated ids" }

        func makeOperator(_ context: StageContext) -> Operator { Operator() }

        struct Operator: TransformOperator {
            var seen: Set<String> = []
            mutating func process(_ order: Order, into output: inout Emitter<Order>) {
                if seen.insert(order.id).inserted { output.emit(order) }
            }
        }
    }

    // Documentation/CustomStages.md, line 19
    static func block1() async throws {


        _ = Pipeline("orders") {
            Source.jsonLines("orders.jsonl", as: Order.self)
            KeyBy(\Order.id)
            Map { (keyed: Keyed<String, Order>) in keyed.value }
            DropRepeatedIDs().parallelism(2)      // after KeyBy: one id, one instance
            Sink.jsonLines("unique.jsonl", of: Order.self)
        }
    }

    // Documentation/CustomStages.md, line 72
    struct Countdown: SourceStage {
        typealias Output = Int
        var settings = StageSettings()
        var from: Int
        var defaultName: String { "countdown" }

        func makeReader(_ context: StageContext) async throws -> Reader { Reader(next: from) }

        struct Reader: SourceReader {
            var next: Int
            mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
                for _ in 0..<limit where next >= 0 {
                    output.emit(next)
                    next -= 1
                }
                return next >= 0            // false: exhausted
            }
            mutating func close() async {}  // release files, connections
        }
    }

    // Documentation/CustomStages.md, line 106
    struct Shards: SourceStage {
        typealias Output = Int
        var settings = StageSettings()
        let shards: [[Int]]                       // each shard's elements, event time in ms
        var defaultName: String { "shards" }

        func makeReader(_ context: StageContext) async throws -> Reader { Reader(shards: shards) }

        struct Reader: PartitionedSourceReader {
            let shards: [[Int]]
            var offset = 0
            var lastPartitions: [Int] = []
            var expectedPartitions: [Int] { Array(shards.indices) }   // each holds the watermark from the start

            mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
                lastPartitions = []
                for (shard, elements) in shards.enumerated() where offset < elements.count {
                    output.emit(elements[offset])
                    lastPartitions.append(shard)
                }
                offset += 1
                return shards.contains { offset < $0.count }
            }

            func partitionsOfLastRead() -> [Int]? { lastPartitions }   // one per element emitted
        }
    }

    // Documentation/CustomStages.md, line 106
    static func block3() async throws {

        let source = Shards(shards: [[1_000, 2_000, 3_000], [10, 20, 30]])
            .eventTime(maxOutOfOrderness: .milliseconds(5)) { Timestamp(millisecondsSinceEpoch: Int64($0)) }
        _ = source
    }

    // Documentation/CustomStages.md, line 141
    struct LineCounter: SinkStage {
        typealias Input = String
        var settings = StageSettings()
        let total: Accumulator<Int>
        var defaultName: String { "count lines" }
        var maximumParallelism: Int? { 1 }

        func makeWriter(_ context: StageContext) async throws -> Writer { Writer(total: total) }

        struct Writer: SinkWriter {
            let total: Accumulator<Int>
            var count = 0
            mutating func write(_ lines: [String], failures: inout RecordFailures) async throws {
                count += lines.count
            }
            mutating func finish() async throws { total.value = count }   // make output visible
            mutating func abort() async {}                                   // discard partial output
        }
    }
}

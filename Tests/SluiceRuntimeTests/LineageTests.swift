import Foundation
import Testing
import Sluice
import SluiceTesting

/// A record rejected by any stage after the source keeps the source's raw input and its file
/// and line, however many stages (mapped, filtered, keyed, parallel) came between.
@Suite struct LineageTests {
    struct Order: Codable, Sendable { var id: Int; var amount: Double; var note: String }
    struct Priced: Codable, Sendable { var id: Int; var cents: Int }

    @Test func aDeadLetterAfterMappingFilteringAndKeyingKeepsTheSourceLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var lines: [String] = []
        for id in 0..<500 {
            let amount = id % 50 == 7 ? -1.5 : Double(id)
            lines.append(#"{"id":\#(id),"amount":\#(amount),"note":"n\#(id) \u00e9"}"#)
        }
        try directory.write(lines.joined(separator: "\n") + "\n", to: "orders.jsonl")
        let rules: [ValidationRule<Priced>] = [.custom("positive") { $0.cents >= 0 ? nil : "negative amount" }]
        let report = try await Pipeline("lineage") {
            Source.jsonLines(directory.file("orders.jsonl"), as: Order.self)
            Filter { (order: Order) in order.id % 3 != 1 }
            Map { (order: Order) in Priced(id: order.id, cents: Int(order.amount * 100)) }
            KeyBy(\Priced.id).process(PassThrough()).parallelism(2)
            Validate(rules).named("check").parallelism(2)
            Sink.collect(into: Collector<Priced>())
        }.run(options: RunOptions(chunkSize: 16))
        let expected = (0..<500).filter { $0 % 50 == 7 && $0 % 3 != 1 }
        #expect(report.deadLetters.count == expected.count)
        for letter in report.deadLetters {
            let line = try #require(letter.location?.line)
            #expect(letter.rawInput == lines[line - 1], "the original line, not a description")
            #expect(letter.location?.origin == directory.file("orders.jsonl"))
            #expect(letter.stage == "check")
            #expect(expected.contains(line - 1))
        }
    }

    /// A keyed function that passes every element on, for the test above.
    struct PassThrough: KeyedProcessFunction {
        func initialState(for key: Int) -> Int { 0 }
        func process(_ element: Priced, key: Int, state: inout Int, context: inout KeyedContext, into output: inout Emitter<Priced>) {
            output.emit(element)
        }
    }

    @Test func aCSVRecordRejectedLaterKeepsItsRawTextAndLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("id,amount,note\n1,2.5,\"a, b\"\n2,x1,plain\n3,4,\"multi\nline\"\n", to: "orders.csv")
        struct Row: Codable, Sendable { var id: Int; var amount: String; var note: String }
        let report = try await Pipeline("csv lineage") {
            Source.csv(directory.file("orders.csv"), as: Row.self)
            Map { (row: Row) throws -> Double in
                guard let amount = Double(row.amount), row.id != 3 else { throw RecordError("unreadable") }
                return amount
            }.onError(.deadLetter).named("amounts")
            Sink.collect(into: Collector<Double>())
        }.run()
        #expect(report.deadLetters.map(\.rawInput) == ["2,x1,plain", "3,4,\"multi\nline\""])
        #expect(report.deadLetters.map { $0.location?.line } == [3, 4])
    }

    @Test func anElementOfAJSONDocumentRejectedLaterKeepsItsText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(#"{"tickets": [{"id":1,"amount":1,"note":""},"# + "\n" + #"  {"id":2, "amount":-1, "note":"x"}]}"#, to: "doc.json")
        let report = try await Pipeline("document lineage") {
            Source.json(directory.file("doc.json"), records: "tickets", as: Order.self)
            Filter { (order: Order) throws -> Bool in
                if order.amount < 0 { throw RecordError("negative") }
                return true
            }.onError(.deadLetter)
            Sink.collect(into: Collector<Order>())
        }.run()
        #expect(report.deadLetters.map(\.rawInput) == [#"{"id":2, "amount":-1, "note":"x"}"#])
        #expect(report.deadLetters.first?.location?.line == 2)
    }

    @Test func aRecordRejectedOnOneOutputOfASplitKeepsItsLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let lines = (1...30).map { #"{"id":\#($0),"amount":\#($0 % 7 == 0 ? -1 : $0),"note":""}"# }
        try directory.write(lines.joined(separator: "\n") + "\n", to: "in.jsonl")
        let orders = DataStream("orders") { Source.jsonLines(directory.file("in.jsonl"), as: Order.self) }
        let (even, odd) = orders.partition { $0.id % 2 == 0 }
        let report = try await Pipeline("split lineage") {
            even.through {
                Map { (order: Order) throws -> Order in
                    if order.amount < 0 { throw RecordError("negative") }
                    return order
                }.onError(.deadLetter).named("check even")
            }.write(to: Sink.collect(into: Collector<Order>()))
            odd.write(to: Sink.collect(into: Collector<Order>()))
        }.run(options: RunOptions(chunkSize: 4))
        #expect(report.deadLetters.map(\.rawInput) == [lines[13], lines[27]])
        #expect(report.deadLetters.map { $0.location?.line } == [14, 28])
    }

    @Test func aFailingStageNamesTheFileAndLineOfTheRecord() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write((1...40).map { #"{"id":\#($0),"amount":1,"note":""}"# }.joined(separator: "\n") + "\n", to: "in.jsonl")
        do {
            _ = try await Pipeline("fails") {
                Source.jsonLines(directory.file("in.jsonl"), as: Order.self)
                Map { (order: Order) throws -> Order in
                    if order.id == 23 { throw RecordError("id 23 is not allowed") }
                    return order
                }
                Sink.collect(into: Collector<Order>())
            }.run(options: RunOptions(chunkSize: 8))
            Issue.record("expected the run to fail")
        } catch {
            #expect("\(error)".contains("in.jsonl:23"), "\(error)")
        }
    }

    /// What a window made from many records has no single source line: a rejection after it
    /// describes the element, as before.
    @Test func outputOfAWindowIsDescribedWhenRejected() async throws {
        struct Tick: Codable, Sendable { var key: String; var ms: Int64 }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write((0..<20).map { #"{"key":"k","ms":\#($0 * 100)}"# }.joined(separator: "\n") + "\n", to: "ticks.jsonl")
        let report = try await Pipeline("window") {
            Source.jsonLines(directory.file("ticks.jsonl"), as: Tick.self)
            KeyBy(\Tick.key).window(.tumbling(.seconds(1)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ms) }) { Count() }
            Map { (result: WindowResult<String, Int>) throws -> Int in throw RecordError("no \(result.value)") }.onError(.deadLetter)
            Sink.collect(into: Collector<Int>())
        }.run()
        #expect(report.deadLetters.count == 2)
        #expect(report.deadLetters.allSatisfy { $0.rawInput.contains("WindowResult") && $0.location == nil })
    }
}

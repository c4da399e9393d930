import Foundation
import Testing
import Sluice
import SluiceTesting

@Suite struct ErrorBudgetTests {
    /// 1,000 numbers, every 50th rejected (2 %), into a JSON Lines file.
    func pipeline(_ budget: ErrorBudget?, output: String) -> Pipeline {
        var check = Map { (value: Int) throws -> Int in
            if value % 50 == 0 { throw RecordError("\(value) is a multiple of 50") }
            return value
        }.named("check").onError(.deadLetter)
        if let budget { check = check.errorBudget(budget) }
        return Pipeline("budget") {
            Source.collection(Array(1...1_000))
            check
            Sink.jsonLines(output, of: Int.self)
        }
    }

    @Test func aStageThatRejectsMoreThanItsBudgetFailsTheRunAndPublishesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.file("out.jsonl")
        for budget in [ErrorBudget.records(10), .fraction(0.01)] {
            do {
                try await pipeline(budget, output: output).run(options: RunOptions(chunkSize: 64))
                Issue.record("expected the budget to fail the run")
            } catch {
                #expect("\(error)".contains("check"))
                #expect("\(error)".contains("more than the error budget"))
            }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        let report = try await pipeline(.fraction(0.05), output: output).run(options: RunOptions(chunkSize: 64))
        #expect(report[stage: "check"]?.deadLettered == 20)
        #expect(FileManager.default.fileExists(atPath: output))
        _ = try await pipeline(nil, output: output).run()
    }

    @Test func aShareIsJudgedAtTheEndOfASmallInput() {
        let budget = ErrorBudget.fraction(0.1, after: 1_000)
        #expect(budget.violation(rejected: 5, input: 20, final: false) == nil)
        #expect(budget.violation(rejected: 5, input: 20, final: true)?.contains("5 of 20 records rejected (25.0 %)") == true)
        #expect(budget.violation(rejected: 2, input: 20, final: true) == nil)
        #expect(ErrorBudget.records(0).violation(rejected: 1, input: 1, final: false) != nil)
    }

    @Test func aSourceCanHaveABudgetToo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("id,n\na,1\nb,x\nc,y\n", to: "in.csv")
        struct Row: Codable, Sendable { var id: String; var n: Int }
        do {
            try await Pipeline("csv budget") {
                Source.csv(path, as: Row.self).named("rows").onError(.deadLetter).errorBudget(.records(1))
                Sink.collect(into: Collector<Row>())
            }.run()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("rows"))
            #expect("\(error)".contains("2 records rejected, more than the error budget of 1"))
        }
    }
}

import Foundation
import Testing
import Sluice
import SluiceTesting

struct Spend: Codable, Sendable { var user: String; var ts: Int64; var amount: Double }
struct User: Codable, Sendable { var id: String; var name: String }
struct UserMinute: Sendable { var user: String; var start: Int64; var count: Int; var sum: Double }

/// The pipeline under test, whatever its source: filter → keyed tumbling window →
/// aggregation → enrichment join with a users table.
func spendPerMinute(from source: some PipelineComponent<Never, Spend>, users: String, into out: Collector<String>) -> Pipeline {
    Pipeline("spend per minute") {
        source
        Filter { (spend: Spend) in spend.amount > 0 }
        KeyBy(\Spend.user).window(.tumbling(.seconds(60)), eventTime: { Timestamp(millisecondsSinceEpoch: $0.ts) }) {
            Count()
            Sum(\.amount)
        }.parallelism(2)
        Map { (result: WindowResult<String, (Int, Double)>) in
            UserMinute(user: result.key, start: result.start.millisecondsSinceEpoch, count: result.value.0,
                       sum: (result.value.1 * 100).rounded() / 100)
        }
        KeyBy(\UserMinute.user).enrich(with: Flow {
            Source.csv(users, as: User.self)
            KeyBy(\User.id)
        }, kind: .left)
        Map { (row: Joined<String, UserMinute, User>) in
            "\(row.key) \(row.left.start) n=\(row.left.count) Σ=\(row.left.sum) \(row.right?.name ?? "-")"
        }
        Sink.collect(into: out)
    }
}

@Suite struct UnifiedBatchStreamTests {
    /// 1,200 events over 20 minutes for 10 users, up to 5 s out of order, some not positive.
    func events() -> [String] {
        var random = SplitMix64(seed: 2026)
        return (0..<1_200).map { index in
            let ts = 1_767_225_600_000 + Int64(index) * 1_000 - Int64(random.next() % 5_001)
            let amount = Double(Int(random.next() % 20_000) - 2_000) / 100
            return #"{"user":"u\#(index % 10)","ts":\#(ts),"amount":\#(amount)}"#
        }
    }

    @Test func aFileAndTheSameRecordsArrivingAsAStreamGiveIdenticalResults() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let users = try directory.write("id,name\n" + (0..<8).map { "u\($0),User \($0)" }.joined(separator: "\n"), to: "users.csv")
        let text = events().joined(separator: "\n") + "\n"
        let eventTime: @Sendable (Spend) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ts) }

        // Batch: the whole file at once.
        let file = try directory.write(text, to: "all.jsonl")
        let batch = Collector<String>()
        let batchReport = try await spendPerMinute(
            from: Source.jsonLines(file, as: Spend.self).eventTime(maxOutOfOrderness: .seconds(5), eventTime),
            users: users, into: batch).run()

        // Stream: the same bytes appended in four parts, cut in the middle of lines.
        let live = try directory.write("", to: "live.jsonl")
        let bytes = Array(text.utf8)
        let cuts = [0, bytes.count / 5 + 7, bytes.count / 2 + 3, bytes.count * 4 / 5 - 11, bytes.count]
        let clock = ManualClock()
        let stream = Collector<String>()
        let run = Task {
            try await spendPerMinute(
                from: Source.followJSONLines(live, as: Spend.self, pollEvery: .milliseconds(100), endAfterIdle: .seconds(1))
                    .eventTime(maxOutOfOrderness: .seconds(5), eventTime),
                users: users, into: stream).run(options: RunOptions(chunkSize: 64, clock: clock))
        }
        for part in 0..<4 {
            await clock.waitForSleepers(1)
            try directory.append(String(decoding: bytes[cuts[part]..<cuts[part + 1]], as: UTF8.self), to: "live.jsonl")
            clock.advance(by: .milliseconds(100))
        }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))
        let streamReport = try await run.value

        // One result per (user, minute) that has a positive amount, counted here independently.
        let decoder = JSONRecordDecoder()
        let windows = Set(try events().map { try decoder.decode(Spend.self, from: $0) }.filter { $0.amount > 0 }
            .map { "\($0.user) \($0.ts - (($0.ts % 60_000) + 60_000) % 60_000)" })
        #expect(batch.elements.count == windows.count)
        #expect(Set(batch.elements.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }) == windows)
        #expect(stream.elements.sorted() == batch.elements.sorted())
        #expect(batchReport.totalDeadLettered == 0 && streamReport.totalDeadLettered == 0)
        #expect(batch.elements.contains { $0.hasPrefix("u9 ") && $0.hasSuffix(" -") }, "users without a row keep a nil name")
    }
}

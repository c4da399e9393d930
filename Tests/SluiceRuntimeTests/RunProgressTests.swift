import Synchronization
import Testing
import Sluice

@Suite struct RunProgressTests {
    @Test func progressIsReportedWhileTheRunGoes() async throws {
        let seen = Mutex<[RunProgress]>([])
        var options = RunOptions(progress: { progress in seen.withLock { $0.append(progress) } })
        options.progressInterval = .milliseconds(10)
        let report = try await Pipeline("paced") {
            Source.events(count: 300, perSecond: 3_000) { index, _ in index }
            Sink.collect(into: Collector<Int>())
        }.run(options: options)
        let reports = seen.withLock { $0 }
        #expect(!reports.isEmpty)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.recordsRead <= $1.recordsRead && $0.elapsed <= $1.elapsed })
        #expect(reports.allSatisfy { $0.recordsRead <= 300 && $0.recordsWritten <= $0.recordsRead })
        #expect(report[stage: "events"]?.recordsOut == 300)
        // The last report has the final figures, however the interval fell.
        #expect(reports.last?.recordsRead == 300 && reports.last?.recordsWritten == 300)
        #expect(RunProgress(recordsRead: 12_345, recordsWritten: 12_300, elapsed: .seconds(2)).line
                == "12,345 records read (6,172/s), 12,300 written, 2.0 s")
    }
}

extension RunProgressTests {
    @Test func aRunShorterThanTheIntervalStillReportsItsFinalFigures() async throws {
        let seen = Mutex<[RunProgress]>([])
        var options = RunOptions(progress: { progress in seen.withLock { $0.append(progress) } })
        options.progressInterval = .seconds(60)
        _ = try await Pipeline("quick") {
            Source.collection(0..<42)
            Sink.collect(into: Collector<Int>())
        }.run(options: options)
        let reports = seen.withLock { $0 }
        #expect(reports.count == 1)
        #expect(reports.first?.recordsRead == 42 && reports.first?.recordsWritten == 42)
    }
}

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

extension RunProgressTests {
    /// Reports how many elements it still has to emit as a gauge.
    struct Countdown: SourceStage {
        var settings = StageSettings()
        var defaultName: String { "countdown" }
        func makeReader(_ context: StageContext) async throws -> Reader { Reader(context: context) }

        struct Reader: SourceReader {
            let context: StageContext
            var left = 50

            mutating func read(into output: inout Emitter<Int>, limit: Int) async throws -> Bool {
                context.gauge("left (elements)", left)
                guard left > 0 else { return false }
                try await Task.sleep(for: .milliseconds(1))
                output.emit(left)
                left -= 1
                return true
            }
        }
    }

    @Test func aStagesGaugesAppearInTheProgressLineAndTheReport() async throws {
        let seen = Mutex<[RunProgress]>([])
        var options = RunOptions(progress: { progress in seen.withLock { $0.append(progress) } })
        options.progressInterval = .milliseconds(5)
        let report = try await Pipeline("gauged") {
            Countdown()
            Sink.collect(into: Collector<Int>())
        }.run(options: options)
        let lines = seen.withLock { $0 }.map(\.line)
        #expect(lines.contains { $0.contains(", countdown left (elements) ") })
        #expect(lines.last?.hasSuffix(", countdown left (elements) 0") == true, "\(lines.last ?? "")")
        #expect(report[stage: "countdown"]?.gauges == ["left (elements)": 0])
        #expect(report.description.contains("countdown: left (elements) 0"))
    }
}

import Foundation

/// How far a run has come, reported while it runs (see ``RunOptions/progress``).
public struct RunProgress: Sendable {
    /// Records read by all sources so far.
    public var recordsRead: Int
    /// Records written by all sinks so far.
    public var recordsWritten: Int
    /// Time since the run started.
    public var elapsed: Duration
    /// The stages' gauges (``StageContext/gauge``), by stage and gauge name.
    public var gauges: [String: [String: Int]] = [:]

    /// A progress report.
    public init(recordsRead: Int, recordsWritten: Int, elapsed: Duration) {
        self.recordsRead = recordsRead
        self.recordsWritten = recordsWritten
        self.elapsed = elapsed
    }

    /// Records read per second since the start.
    public var recordsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(recordsRead) / seconds : 0
    }

    /// `12,345 records read (6,172/s), 12,300 written, 2.0 s`, then each gauge
    /// (`, postgres changes slot lag (bytes) 4,096`) — for a progress line.
    public var line: String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var line = "\(Self.grouped(recordsRead)) records read (\(Self.grouped(Int(recordsPerSecond)))/s), "
            + "\(Self.grouped(recordsWritten)) written, \(String(format: "%.1f", seconds)) s"
        for (stage, gauges) in gauges.sorted(by: { $0.key < $1.key }) {
            for (name, value) in gauges.sorted(by: { $0.key < $1.key }) { line += ", \(stage) \(name) \(Self.grouped(value))" }
        }
        return line
    }

    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    /// Prints ``line`` over itself on standard error every time it is called: a live
    /// progress line for command-line samples.
    public static let printToStandardError: @Sendable (RunProgress) -> Void = { progress in
        FileHandle.standardError.write(Data(("\r" + progress.line + "   ").utf8))
    }
}

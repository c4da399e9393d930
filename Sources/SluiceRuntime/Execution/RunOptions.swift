import Foundation
import SluiceCore

/// How a pipeline run moves data and keeps time.
public struct RunOptions: Sendable {
    /// Elements per chunk read from sources. Larger chunks cost fewer hops; smaller ones lower
    /// latency and memory. Default 1024.
    public var chunkSize: Int
    /// Chunks buffered per edge before the producer suspends (backpressure). Default 16.
    public var channelCapacity: Int
    /// Processing time: the system clock, or a manual clock in tests.
    public var clock: any ProcessingClock
    /// How often stages that need processing time are told it has passed. Default 100 ms.
    public var tickInterval: Duration
    /// An input silent for longer than this (in processing time) stops holding back the
    /// watermark of the stage it feeds, until it sends again; so does a partition of a source
    /// that reads several (``PartitionedSourceReader``). `nil` (the default): inputs are never
    /// considered idle.
    public var idleTimeout: Duration?
    /// Called about every `progressInterval` while the run goes (for a live progress line,
    /// such as ``RunProgress/printToStandardError``); `nil` (the default) for none.
    public var progress: (@Sendable (RunProgress) -> Void)?
    /// How often ``progress`` is called. Default 1 s.
    public var progressInterval: Duration = .seconds(1)
    /// Told what an operator must know although the run goes on, such as a damaged checkpoint
    /// skipped on restore. Default: printed to standard error (``printWarningToStandardError``).
    public var warning: @Sendable (String) -> Void = RunOptions.printWarningToStandardError
    /// The partition of a partitioned input this run processes (``StageContext/partition``):
    /// set by a cluster run for each partition it owns; `nil` (the default) reads them all.
    public var partition: Int?

    /// Prints `message` to standard error, prefixed with `sluice: warning: `.
    public static let printWarningToStandardError: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data(("sluice: warning: " + message + "\n").utf8))
    }

    /// Creates options.
    public init(chunkSize: Int = 1024, channelCapacity: Int = 16, clock: any ProcessingClock = SystemClock(),
                tickInterval: Duration = .milliseconds(100), idleTimeout: Duration? = nil,
                progress: (@Sendable (RunProgress) -> Void)? = nil) {
        self.progress = progress
        self.chunkSize = chunkSize
        self.channelCapacity = channelCapacity
        self.clock = clock
        self.tickInterval = tickInterval
        self.idleTimeout = idleTimeout
    }

    var tickMilliseconds: Int64 { max(1, tickInterval.wholeMilliseconds) }
}

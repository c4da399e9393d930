/// How a pipeline run moves data.
public struct RunOptions: Sendable {
    /// Elements per chunk read from sources. Larger chunks cost fewer hops; smaller ones lower
    /// latency and memory. Default 1024.
    public var chunkSize: Int
    /// Chunks buffered per edge before the producer suspends (backpressure). Default 16.
    public var channelCapacity: Int

    /// Creates options.
    public init(chunkSize: Int = 1024, channelCapacity: Int = 16) {
        self.chunkSize = chunkSize
        self.channelCapacity = channelCapacity
    }
}

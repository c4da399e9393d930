/// A source reader that reads several partitions of its input at once — the subjects of a
/// stream, the shards of a topic — and says which partition each element came from.
///
/// With event time, the runtime then keeps a watermark per partition (the newest event time
/// seen in it, less the strategy's bound) and emits the minimum over the partitions: a
/// partition whose producer runs behind holds the watermark back instead of having its
/// elements turn late. A partition silent for longer than ``RunOptions/idleTimeout`` stops
/// holding it back until it sends again; when every partition is idle the watermark holds.
/// Partitions named by ``expectedPartitions`` hold the watermark back from the start, until
/// they send or go idle; others are learned as their first element arrives, and one first seen
/// after the watermark has passed its event times has late elements, as in Flink.
public protocol PartitionedSourceReader: SourceReader {
    /// The partitions the reader knows it will read, before it has read any; empty (the
    /// default) when they are learned as elements arrive.
    var expectedPartitions: [Int] { get }

    /// The partition of each element the last ``SourceReader/read(into:limit:)`` emitted, in
    /// the order emitted (rejected records are not elements); `nil` when this run reads a
    /// single partition, so that the source's watermark follows its elements directly.
    func partitionsOfLastRead() -> [Int]?
}

/// A partitioned source whose input carries its producers' watermarks — the reading side of a
/// repartitioning exchange, where each upstream run publishes its watermark along with its
/// elements. The runtime combines them as it does event-time partitions: the minimum over the
/// partitions not idle.
public protocol WatermarkForwardingSourceReader: PartitionedSourceReader {
    /// The watermarks that arrived in the last read, each with the partition (producer) it
    /// came from; a producer that ended sends `Timestamp.max`.
    func watermarksOfLastRead() -> [(partition: Int, watermark: Timestamp)]
}

extension PartitionedSourceReader {
    /// None known in advance.
    public var expectedPartitions: [Int] { [] }
}

extension SourceReaderBox {
    @usableFromInline func watermarksOfLastRead() -> [(partition: Int, watermark: Timestamp)] {
        (reader as! any WatermarkForwardingSourceReader).watermarksOfLastRead()
    }

    @usableFromInline func expectedPartitions() -> [Int] {
        (reader as? any PartitionedSourceReader)?.expectedPartitions ?? []
    }

    @usableFromInline func partitionsOfLastRead() -> [Int]? {
        (reader as! any PartitionedSourceReader).partitionsOfLastRead()
    }
}

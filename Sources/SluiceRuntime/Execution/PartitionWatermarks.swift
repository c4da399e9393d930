import SluiceCore

/// The watermark of a source that reads several partitions (``PartitionedSourceReader``): one
/// watermark per partition, trailing the newest event time seen in it by the strategy's
/// bound, combined as the minimum over the partitions that are not idle.
///
/// Partitions are expected from the start or learned as their first element arrives. A partition silent (in processing
/// time) for longer than the idle timeout stops holding the watermark back until it sends
/// again; while every partition is idle the watermark holds. Pure: the source's task feeds it
/// and emits what it returns.
struct PartitionWatermarks {
    private struct Partition {
        var watermark = Timestamp.min
        var lastActive: Int64
    }

    private var partitions: [Int: Partition] = [:]
    private let boundMilliseconds: Int64
    private let idleTimeout: Int64?
    /// The combined watermark emitted so far.
    private(set) var combined = Timestamp.min

    /// Tracks partitions for a strategy with bound `boundMilliseconds`; `idleTimeout` `nil`:
    /// partitions are never idle.
    init(boundMilliseconds: Int64, idleTimeout: Int64?) {
        self.boundMilliseconds = boundMilliseconds
        self.idleTimeout = idleTimeout
    }

    /// Expects `partitions` from processing time `now` on: each holds the watermark back until
    /// it sends or goes idle.
    mutating func expect(_ partitions: [Int], now: Timestamp) {
        for partition in partitions where self.partitions[partition] == nil {
            self.partitions[partition] = Partition(lastActive: now.millisecondsSinceEpoch)
        }
    }

    /// The partitions known so far.
    var partitionCount: Int { partitions.count }

    /// Records elements read at processing time `now`: `eventTimes[i]` from partition
    /// `partitionOf[i]` (both of one length).
    mutating func observe(eventTimes: [Timestamp], partitionOf: [Int], now: Timestamp) {
        for (time, partition) in zip(eventTimes, partitionOf) {
            var entry = partitions[partition] ?? Partition(lastActive: now.millisecondsSinceEpoch)
            let watermark = WatermarkGenerator.watermark(afterNewest: time, boundMilliseconds: boundMilliseconds)
            if watermark > entry.watermark { entry.watermark = watermark }
            entry.lastActive = now.millisecondsSinceEpoch
            partitions[partition] = entry
        }
    }

    /// Records elements read at processing time `now` from `partitionOf` whose event time is
    /// unknown to the source (its watermarks come with the input): they count as activity.
    mutating func heard(from partitionOf: [Int], now: Timestamp) {
        for partition in partitionOf {
            partitions[partition, default: Partition(lastActive: now.millisecondsSinceEpoch)].lastActive = now.millisecondsSinceEpoch
        }
    }

    /// Records a watermark that partition `partition`'s input carried, at processing time
    /// `now` (a repartitioning exchange forwards its producers' watermarks).
    mutating func observe(watermark: Timestamp, partition: Int, now: Timestamp) {
        var entry = partitions[partition] ?? Partition(lastActive: now.millisecondsSinceEpoch)
        if watermark > entry.watermark { entry.watermark = watermark }
        entry.lastActive = now.millisecondsSinceEpoch
        partitions[partition] = entry
    }

    /// The combined watermark at processing time `now`, if it advanced past ``combined``.
    mutating func advance(now: Timestamp) -> Timestamp? {
        var minimum = Timestamp.max
        var active = 0
        for entry in partitions.values {
            if let idleTimeout, now.millisecondsSinceEpoch - entry.lastActive > idleTimeout { continue }
            minimum = min(minimum, entry.watermark)
            active += 1
        }
        guard active > 0, minimum > combined else { return nil }
        combined = minimum
        return minimum
    }
}

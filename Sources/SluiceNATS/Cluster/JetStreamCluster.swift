import Foundation
import SluiceCore
import SluiceRuntime

/// A group of processes — the same executable started several times, on one machine or many —
/// that divide the partitions of a partitioned input among themselves, on JetStream. The
/// Kafka Streams model: the broker holds the data, the partitions' leases and their state;
/// the workers are ordinary processes.
///
/// Each partition runs as its own run of the pipeline (``RunOptions/partition`` set, so a
/// JetStream source with `{partition}` in its subjects reads that partition only), with its
/// checkpoints in JetStream (``JetStreamCheckpointStorage``, one line per partition). A
/// partition that moves — its worker died, or a worker joined and took its share — resumes
/// on the new worker from the partition's newest checkpoint, with its keyed state; sinks
/// publish exactly once across the move.
///
/// A ``KeyBy`` on another key than the input's partitioning (one not marked
/// ``KeyBy/sameAsInputPartitioning()``) divides the pipeline into segments joined by a
/// ``JetStreamExchange``; every partition of every segment is then a unit of work, numbered
/// `segment × partitions + partition` in ``ClusterEvent``s.
///
/// ```swift
/// let cluster = JetStreamCluster(nats, group: "alerts", partitions: 6)
/// try await pipeline.run(cluster: cluster)   // in every worker process
/// ```
public struct JetStreamCluster: Sendable {
    /// The broker.
    public var configuration: NATSConfiguration
    /// The group's name: workers with the same name share the work. Letters, digits, `-`, `_`.
    public var group: String
    /// How many partitions the input has (numbered from 0).
    public var partitions: Int
    /// This worker's name, unique in the group: by default the host name, the process id and
    /// a random suffix.
    public var worker: String
    /// Time between checkpoints of each partition.
    public var checkpointInterval: Duration
    /// How long a member's heartbeat or a lease may stay unchanged before it counts as gone.
    /// A dead worker's partitions move after about this long.
    public var sessionTimeout: Duration
    /// How many servers keep the group's bucket and checkpoints (1, 3 or 5).
    public var replicas: Int

    /// A cluster of `partitions` partitions named `group` on the broker `configuration`.
    public init(_ configuration: NATSConfiguration, group: String, partitions: Int, worker: String? = nil,
                checkpointInterval: Duration = .seconds(2), sessionTimeout: Duration = .seconds(4), replicas: Int = 1) {
        self.configuration = configuration
        self.group = group
        self.partitions = partitions
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        self.worker = worker ?? "\(host.prefix(24))-\(getpid())-\(UUID().uuidString.prefix(6))"
        self.checkpointInterval = checkpointInterval
        self.sessionTimeout = sessionTimeout
        self.replicas = replicas
    }

    /// The key-value bucket of the group's members, leases and finished partitions.
    var bucket: String { "sluice_cluster_" + group }
    /// The checkpoint line of a unit of work: `<group>.p<partition>` for the first segment's
    /// partitions, `<group>.s<segment>.p<partition>` for the others'.
    func checkpointLine(_ unit: Int) -> String {
        let segment = unit / partitions, partition = unit % partitions
        return segment == 0 ? "\(group).p\(partition)" : "\(group).s\(segment).p\(partition)"
    }
}

/// What a worker of a cluster tells as it goes: for logs and for measuring rebalances.
public enum ClusterEvent: Sendable, Equatable, CustomStringConvertible {
    /// The worker joined the group.
    case joined(worker: String)
    /// It took a partition and started processing it.
    case acquired(partition: Int)
    /// It handed a partition over gracefully (another member is assigned it now).
    case released(partition: Int)
    /// It stopped a partition at once: its lease was lost or could not be renewed.
    case fenced(partition: Int)
    /// A partition's input was processed to its end.
    case finished(partition: Int)
    /// A partition's run failed; it is started again while the lease is held.
    case failed(partition: Int, error: String)

    public var description: String {
        switch self {
        case .joined(let worker): return "joined as \(worker)"
        case .acquired(let partition): return "acquired partition \(partition)"
        case .released(let partition): return "released partition \(partition)"
        case .fenced(let partition): return "fenced off partition \(partition)"
        case .finished(let partition): return "finished partition \(partition)"
        case .failed(let partition, let error): return "partition \(partition) failed: \(error)"
        }
    }
}

extension Pipeline {
    /// Runs the pipeline as one worker of `cluster`: processes the partitions assigned to this
    /// worker, each as its own checkpointed run, and takes part in rebalancing as workers come
    /// and go. Returns when every partition's input has been processed to its end (sources
    /// that follow never end) or when `stop` is pulled (partitions stop at a savepoint and are
    /// handed over).
    public func run(cluster: JetStreamCluster, options: RunOptions = RunOptions(), stop: StopHandle? = nil,
                    events: @escaping @Sendable (ClusterEvent) -> Void = { _ in }) async throws {
        let worker = try ClusterWorker(cluster: cluster, pipeline: self, options: options, events: events)
        try await worker.run(stop: stop)
    }
}

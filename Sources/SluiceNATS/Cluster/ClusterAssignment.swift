/// What one worker of a cluster decides each round, from what it sees in the group's
/// key-value bucket: which partitions to take, keep, hand over or drop. A pure state machine —
/// it returns actions and never waits — so that it is tested without tasks or a broker;
/// ``ClusterWorker`` carries the actions out.
///
/// - **Members** heartbeat their key (`members.<worker>`). A member whose key has not changed
///   for `sessionTimeout`, as this worker saw it, is gone.
/// - **Assignment**: the live members sorted by name; partition `p` belongs to member
///   `p mod count`. Every worker computes the same from the same view.
/// - **Leases** (`lease.<p>`) say who processes a partition. The holder renews its lease every
///   round by compare-and-set. Another worker takes a lease over only once it has seen it
///   unchanged for `sessionTimeout`. A holder that could not renew for half that time stops
///   the partition by itself. So no partition is ever processed by two workers at once, while
///   rounds are shorter than a quarter of the timeout.
struct ClusterAssignment {
    /// What the bucket held this round.
    struct Observation: Equatable {
        /// Member → its key's revision.
        var members: [String: UInt64] = [:]
        /// Partition → the lease's holder and revision.
        var leases: [Int: Lease] = [:]
        /// Partitions whose input was processed to its end.
        var finished: Set<Int> = []
    }

    /// A lease as stored.
    struct Lease: Equatable {
        var holder: String
        var revision: UInt64
    }

    /// What to do.
    enum Action: Equatable {
        /// Take the partition: create its lease (`expecting` 0), or take over a lease gone
        /// stale at that revision. Then start processing it.
        case acquire(Int, expecting: UInt64)
        /// Renew the lease held at that revision.
        case renew(Int, revision: UInt64)
        /// Stop processing the partition gracefully, then delete the lease at that revision:
        /// another member is now assigned it.
        case release(Int, revision: UInt64)
        /// Stop processing the partition at once: the lease was lost or could not be renewed.
        case fence(Int)
    }

    let me: String
    let partitions: Int
    let sessionTimeout: Duration
    /// Key → the revision last seen and when it was first seen.
    private var seen: [String: (revision: UInt64, since: ContinuousClock.Instant)] = [:]
    /// Partition → the revision of the lease this worker holds.
    private(set) var held: [Int: UInt64] = [:]
    private var renewedAt: [Int: ContinuousClock.Instant] = [:]

    init(me: String, partitions: Int, sessionTimeout: Duration) {
        self.me = me
        self.partitions = partitions
        self.sessionTimeout = sessionTimeout
    }

    private mutating func note(_ key: String, revision: UInt64, now: ContinuousClock.Instant) -> Duration {
        if let previous = seen[key], previous.revision == revision { return now - previous.since }
        seen[key] = (revision, now)
        return .zero
    }

    /// The members alive as this worker sees them, sorted: always itself.
    mutating func liveMembers(_ observation: Observation, now: ContinuousClock.Instant) -> [String] {
        var live: Set<String> = [me]
        for (member, revision) in observation.members where note("members." + member, revision: revision, now: now) < sessionTimeout {
            live.insert(member)
        }
        return live.sorted()
    }

    /// The member partition `partition` belongs to, among `live`.
    static func owner(of partition: Int, among live: [String]) -> String { live[partition % live.count] }

    /// This round's actions.
    mutating func round(_ observation: Observation, now: ContinuousClock.Instant) -> [Action] {
        var actions = fencing(now: now).map(Action.fence)
        let live = liveMembers(observation, now: now)
        for partition in 0..<partitions {
            let lease = observation.leases[partition]
            let unchanged = lease.map { note("lease.\(partition)", revision: $0.revision, now: now) } ?? .zero
            let assigned = Self.owner(of: partition, among: live) == me && !observation.finished.contains(partition)
            if let revision = held[partition] {
                guard let lease, lease.holder == me, lease.revision == revision else {
                    // Someone else wrote the lease (or deleted it): it is no longer ours.
                    held[partition] = nil
                    actions.append(.fence(partition))
                    continue
                }
                actions.append(assigned ? .renew(partition, revision: revision) : .release(partition, revision: revision))
            } else if assigned {
                if let lease {
                    if unchanged >= sessionTimeout { actions.append(.acquire(partition, expecting: lease.revision)) }
                } else {
                    actions.append(.acquire(partition, expecting: 0))
                }
            }
        }
        return actions
    }

    /// Partitions held whose lease could not be renewed for half the session timeout: they
    /// must stop now, before another worker may take them over. Forgets them.
    mutating func fencing(now: ContinuousClock.Instant) -> [Int] {
        let overdue = held.keys.filter { now - (renewedAt[$0] ?? now) >= sessionTimeout / 2 }.sorted()
        for partition in overdue {
            held[partition] = nil
            renewedAt[partition] = nil
        }
        return overdue
    }

    /// The lease of `partition` was written at `revision` (acquired or renewed).
    mutating func leased(_ partition: Int, revision: UInt64, now: ContinuousClock.Instant) {
        held[partition] = revision
        renewedAt[partition] = now
        seen["lease.\(partition)"] = (revision, now)
    }

    /// The lease of `partition` is no longer held (lost, released or fenced).
    mutating func dropped(_ partition: Int) {
        held[partition] = nil
        renewedAt[partition] = nil
    }
}

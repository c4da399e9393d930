/// What a keyed process stage saves at a checkpoint: each key's state and timers, and the
/// watermark.
public struct KeyedProcessSnapshot<Key: Codable, State: Codable>: Codable {
    /// One key's state and pending timers.
    public struct Entry: Codable {
        /// The key.
        public var key: Key
        /// Its state, when it has one.
        public var state: State?
        /// Event-time timers, in milliseconds since the epoch.
        public var timers: [Int64]
        /// Processing-time timers, in milliseconds since the epoch.
        public var processingTimers: [Int64]
    }

    /// The watermark the stage had seen, in milliseconds since the epoch.
    public var watermark: Int64
    /// Every key with state or timers.
    public var entries: [Entry]
}

extension KeyedProcessStage.Operator: CheckpointableOperator where Function.Key: Codable, Function.State: Codable {
    /// Every key's state and timers.
    public func snapshot() -> KeyedProcessSnapshot<Function.Key, Function.State> {
        let timersOf = pendingTimers.timesByKey.mapValues { Array($0) }
        let processingTimersOf = pendingProcessingTimers.timesByKey.mapValues { Array($0) }
        let keys = Set(stateByKey.keys).union(timersOf.keys).union(processingTimersOf.keys)
        return KeyedProcessSnapshot(
            watermark: reachedWatermark.millisecondsSinceEpoch,
            entries: keys.map { key in
                KeyedProcessSnapshot.Entry(key: key, state: stateByKey[key],
                                           timers: (timersOf[key] ?? []).sorted(),
                                           processingTimers: (processingTimersOf[key] ?? []).sorted())
            })
    }

    /// Takes the keys this instance owns, with their timers.
    public mutating func restore(from snapshots: [KeyedProcessSnapshot<Function.Key, Function.State>], scope: RestoreScope) {
        stateByKey = [:]
        timers = TimerQueue()
        pendingTimers = PendingTimers()
        processingTimers = TimerQueue()
        pendingProcessingTimers = PendingTimers()
        watermark = Timestamp(millisecondsSinceEpoch: snapshots.map(\.watermark).max() ?? Int64.min)
        reachedWatermark = watermark
        for snapshot in snapshots {
            for entry in snapshot.entries where scope.owns(entry.key) {
                if let state = entry.state { stateByKey[entry.key] = state }
                for time in entry.timers where pendingTimers.insert(entry.key, at: time) {
                    timers.schedule(entry.key, at: time)
                }
                for time in entry.processingTimers where pendingProcessingTimers.insert(entry.key, at: time) {
                    processingTimers.schedule(entry.key, at: time)
                }
            }
        }
    }
}

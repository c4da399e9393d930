/// What a table join or enrichment saves at a checkpoint: the table, the left elements
/// waiting for it, and whether it is complete.
public struct TableJoinSnapshot<Key: Codable, LeftValue: Codable, RightValue: Codable>: Codable {
    /// The rows of one key.
    public struct Rows: Codable {
        /// The key.
        public var key: Key
        /// Its rows (one for enrichment).
        public var rows: [RightValue]
    }
    /// A left element waiting for the table.
    public struct Waiting: Codable {
        /// Its key.
        public var key: Key
        /// The element.
        public var value: LeftValue
    }
    /// The table.
    public var table: [Rows]
    /// Left elements waiting, in arrival order.
    public var waiting: [Waiting]
    /// Whether the right input had ended.
    public var tableComplete: Bool
    /// In a right or full join, the keys some left element asked for (absent in snapshots
    /// of other joins).
    public var askedFor: [Key]?
}

extension TableJoin.Operator: CheckpointableOperator where Key: Codable, LeftValue: Codable, RightValue: Codable {
    /// The table and what waits for it.
    public func snapshot() -> TableJoinSnapshot<Key, LeftValue, RightValue> {
        TableJoinSnapshot(table: table.map { .init(key: $0.key, rows: $0.value) },
                          waiting: waiting.map { .init(key: $0.key, value: $0.value) },
                          tableComplete: tableComplete, askedFor: stage.sides.keepsUnmatchedRight ? Array(askedFor) : nil)
    }

    /// Takes the keys this instance owns.
    public mutating func restore(from snapshots: [TableJoinSnapshot<Key, LeftValue, RightValue>], scope: RestoreScope) {
        table = [:]
        waiting = []
        askedFor = []
        for snapshot in snapshots {
            for rows in snapshot.table where scope.owns(rows.key) { table[rows.key, default: []] += rows.rows }
            for element in snapshot.waiting where scope.owns(element.key) { waiting.append(Keyed(key: element.key, value: element.value)) }
            for key in snapshot.askedFor ?? [] where scope.owns(key) { askedFor.insert(key) }
        }
        tableComplete = snapshots.contains { $0.tableComplete }
    }
}

/// What a window join saves at a checkpoint: the open windows' elements of both sides.
public struct WindowJoinSnapshot<Key: Codable, LeftValue: Codable, RightValue: Codable>: Codable {
    /// One open window.
    public struct Window: Codable {
        /// The key.
        public var key: Key
        /// The window's start, in milliseconds since the epoch.
        public var start: Int64
        /// Left elements so far.
        public var lefts: [LeftValue]
        /// Right elements so far.
        public var rights: [RightValue]
    }
    /// The watermark, in milliseconds since the epoch.
    public var watermark: Int64
    /// The open windows.
    public var windows: [Window]
}

extension WindowJoin.Operator: CheckpointableOperator where Key: Codable, LeftValue: Codable, RightValue: Codable {
    /// The open windows.
    public func snapshot() -> WindowJoinSnapshot<Key, LeftValue, RightValue> {
        let open = Set(lefts.keys).union(rights.keys)
        return WindowJoinSnapshot(watermark: reachedWatermark, windows: open.map { window in
            .init(key: window.key, start: window.start, lefts: lefts[window] ?? [], rights: rights[window] ?? [])
        })
    }

    /// Takes the windows of the keys this instance owns and schedules them again.
    public mutating func restore(from snapshots: [WindowJoinSnapshot<Key, LeftValue, RightValue>], scope: RestoreScope) {
        lefts = [:]
        rights = [:]
        due = TimerQueue()
        watermark = snapshots.map(\.watermark).max() ?? .min
        reachedWatermark = watermark
        for snapshot in snapshots {
            for saved in snapshot.windows where scope.owns(saved.key) {
                let window = Window(key: saved.key, start: saved.start)
                if lefts[window] == nil && rights[window] == nil { due.schedule(window, at: saved.start + stage.size) }
                if !saved.lefts.isEmpty { lefts[window, default: []] += saved.lefts }
                if !saved.rights.isEmpty { rights[window, default: []] += saved.rights }
            }
        }
    }
}

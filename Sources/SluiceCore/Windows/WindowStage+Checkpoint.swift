/// What a window stage saves at a checkpoint: the open windows and sessions with their
/// aggregation state, and the watermark. Timers are derived again from the windows.
public struct WindowSnapshot<Key: Codable, State: Codable>: Codable {
    /// A tumbling or sliding window.
    public struct Window: Codable {
        /// The window's key.
        public var key: Key
        /// The window's start, in milliseconds since the epoch.
        public var start: Int64
        /// The aggregation state.
        public var state: State
        /// Whether the on-time result went out (the window is kept for late updates).
        public var fired: Bool
        /// Elements added since the last result (for early firing).
        public var sinceLastResult: Int
    }

    /// A session window.
    public struct Session: Codable {
        /// The session's key.
        public var key: Key
        /// Start and end, in milliseconds since the epoch.
        public var start: Int64, end: Int64
        /// The aggregation state.
        public var state: State
        /// Whether its result went out.
        public var fired: Bool
    }

    /// The watermark the stage had seen short of the end of input, in milliseconds since the epoch.
    public var watermark: Int64
    /// Open windows.
    public var windows: [Window]
    /// Open sessions.
    public var sessions: [Session]
}

extension WindowStage.Operator: CheckpointableOperator where Key: Codable, A.State: Codable {
    /// The open windows and sessions.
    public func snapshot() -> WindowSnapshot<Key, A.State> {
        WindowSnapshot(
            watermark: reachedWatermark,
            windows: windows.map { WindowSnapshot.Window(key: $0.key.key, start: $0.key.start, state: $0.value.state,
                                                         fired: $0.value.fired, sinceLastResult: $0.value.sinceLastResult) },
            sessions: sessions.flatMap { key, list in
                list.map { WindowSnapshot.Session(key: key, start: $0.start, end: $0.end, state: $0.state, fired: $0.fired) }
            })
    }

    /// Takes the windows and sessions of the keys this instance owns and schedules their
    /// results again.
    public mutating func restore(from snapshots: [WindowSnapshot<Key, A.State>], scope: RestoreScope) {
        windows = [:]
        sessions = [:]
        dueAt = TimerQueue()
        expireAt = TimerQueue()
        watermark = snapshots.map(\.watermark).max() ?? .min
        reachedWatermark = watermark
        for snapshot in snapshots {
            for saved in snapshot.windows where scope.owns(saved.key) {
                let id = WindowID(key: saved.key, start: saved.start)
                var window = FixedWindow(state: saved.state)
                window.fired = saved.fired
                window.sinceLastResult = saved.sinceLastResult
                windows[id] = window
                let end = Self.add(saved.start, length)
                if saved.fired {
                    expireAt.schedule(id, at: Self.add(end, stage.allowedLateness))
                } else {
                    dueAt.schedule(id, at: end)
                }
            }
            for saved in snapshot.sessions where scope.owns(saved.key) {
                sessions[saved.key, default: []].append(
                    Session(start: saved.start, end: saved.end, state: saved.state, fired: saved.fired))
                let id = WindowID(key: saved.key, start: saved.end)
                if saved.fired {
                    expireAt.schedule(id, at: Self.add(saved.end, stage.allowedLateness))
                } else {
                    dueAt.schedule(id, at: saved.end)
                }
            }
        }
    }
}

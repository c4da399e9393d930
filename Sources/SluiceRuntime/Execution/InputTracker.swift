import SluiceCore

/// Follows the control events of a chain's input producers: end-of-input, the combined
/// watermark (the minimum over producers still running).
struct InputTracker {
    private var ended: [Bool]
    private var watermarks: [Timestamp]
    /// Processing time of each producer's last message, when idleness is tracked.
    private var lastActive: [Int64]
    private let idleTimeout: Int64?
    /// The latest processing time heard of.
    private var now: Int64
    private(set) var endedCount = 0
    private(set) var combinedWatermark = Timestamp.min

    init(producers: Int, idleTimeout: Int64? = nil, now: Timestamp = .min) {
        ended = Array(repeating: false, count: producers)
        watermarks = Array(repeating: .min, count: producers)
        lastActive = Array(repeating: now.millisecondsSinceEpoch, count: producers)
        self.idleTimeout = idleTimeout
        self.now = now.millisecondsSinceEpoch
    }

    /// Records that `producer` sent something at processing time `now`.
    mutating func heard(from producer: Int, at now: Timestamp) {
        guard idleTimeout != nil else { return }
        lastActive[producer] = now.millisecondsSinceEpoch
        self.now = max(self.now, now.millisecondsSinceEpoch)
    }

    /// Processing time has passed: inputs silent for longer than the idle timeout stop
    /// holding the watermark back. Returns a new combined watermark if it advanced.
    mutating func tick(_ now: Timestamp) -> Timestamp? {
        guard idleTimeout != nil else { return nil }
        self.now = max(self.now, now.millisecondsSinceEpoch)
        return recombine()
    }

    private func isIdle(_ producer: Int) -> Bool {
        guard let idleTimeout else { return false }
        return now - lastActive[producer] > idleTimeout
    }

    /// Whether every producer has ended.
    var isFinished: Bool { endedCount == ended.count }

    /// Records end-of-input from `producer`; returns a new combined watermark if it advanced.
    mutating func end(producer: Int) -> Timestamp? {
        precondition(!ended[producer], "producer \(producer) sent end-of-input twice")
        ended[producer] = true
        endedCount += 1
        return recombine()
    }

    /// Records a watermark; returns the new combined watermark if it advanced.
    mutating func watermark(_ time: Timestamp, producer: Int) -> Timestamp? {
        if time > watermarks[producer] { watermarks[producer] = time }
        return recombine()
    }

    private mutating func recombine() -> Timestamp? {
        var minimum = Timestamp.max
        var active = 0
        for index in ended.indices where !ended[index] && !isIdle(index) {
            minimum = min(minimum, watermarks[index])
            active += 1
        }
        // When every running input is idle, nothing is known: hold the watermark.
        if active == 0, endedCount < ended.count { return nil }
        guard minimum > combinedWatermark else { return nil }
        combinedWatermark = minimum
        return minimum
    }
}

import SluiceCore

/// Follows the control events of a chain's input producers: end-of-input, the combined
/// watermark (the minimum over producers still running) and barriers seen from every producer.
struct InputTracker {
    private var ended: [Bool]
    private var watermarks: [Timestamp]
    private var barrierArrivals: [CheckpointID: Int] = [:]
    private(set) var endedCount = 0
    private(set) var combinedWatermark = Timestamp.min

    init(producers: Int) {
        ended = Array(repeating: false, count: producers)
        watermarks = Array(repeating: .min, count: producers)
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

    /// Records a barrier; returns `true` once it has arrived from every producer still running.
    mutating func barrier(_ id: CheckpointID) -> Bool {
        let count = barrierArrivals[id, default: 0] + 1
        if count >= ended.count - endedCount {
            barrierArrivals[id] = nil
            return true
        }
        barrierArrivals[id] = count
        return false
    }

    private mutating func recombine() -> Timestamp? {
        var minimum = Timestamp.max
        for index in ended.indices where !ended[index] {
            minimum = min(minimum, watermarks[index])
        }
        guard minimum > combinedWatermark else { return nil }
        combinedWatermark = minimum
        return minimum
    }
}

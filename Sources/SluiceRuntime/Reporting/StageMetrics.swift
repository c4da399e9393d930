import Synchronization
import SluiceCore

/// Live counters of one stage, shared by its instances and updated once per chunk.
final class StageMetrics: Sendable {
    let name: String
    let kind: StageKind
    let parallelism: Int
    let recordsIn = Atomic<Int>(0)
    let recordsOut = Atomic<Int>(0)
    let skipped = Atomic<Int>(0)
    let deadLettered = Atomic<Int>(0)
    let late = Atomic<Int>(0)
    let blockedNanoseconds = Atomic<Int>(0)

    init(node: LogicalNode) {
        name = node.name
        kind = node.kind
        parallelism = node.parallelism
    }

    func add(_ counter: borrowing Atomic<Int>, _ value: Int) {
        if value != 0 { counter.wrappingAdd(value, ordering: .relaxed) }
    }

    func record(_ outcome: StageOutcome, input: Int, output: Int? = nil) {
        add(recordsIn, input)
        add(recordsOut, output ?? outcome.output?.count ?? 0)
        add(skipped, outcome.skipped)
        add(deadLettered, outcome.deadLetters.count)
        add(late, outcome.lateCount)
    }

    func addBlocked(_ duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        add(blockedNanoseconds, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }

    var snapshot: StageReport {
        let skippedCount = skipped.load(ordering: .relaxed)
        let dead = deadLettered.load(ordering: .relaxed)
        return StageReport(
            name: name, kind: kind, parallelism: parallelism,
            recordsIn: recordsIn.load(ordering: .relaxed),
            recordsOut: recordsOut.load(ordering: .relaxed),
            errored: skippedCount + dead, deadLettered: dead, late: late.load(ordering: .relaxed),
            blockedOnBackpressure: .nanoseconds(blockedNanoseconds.load(ordering: .relaxed)))
    }
}

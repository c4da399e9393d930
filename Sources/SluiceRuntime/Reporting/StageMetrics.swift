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
    let budget: ErrorBudget?
    private let finishedInstances = Atomic<Int>(0)
    /// The newest value of each gauge, by name and instance.
    private let gaugeValues = Mutex<[String: [Int: Int]]>([:])

    /// The stage's index in the graph.
    let index: Int

    init(node: LogicalNode) {
        index = node.id.index
        name = node.name
        kind = node.kind
        parallelism = node.parallelism
        budget = node.settings.errorBudget
    }

    func add(_ counter: borrowing Atomic<Int>, _ value: Int) {
        if value != 0 { counter.wrappingAdd(value, ordering: .relaxed) }
    }

    /// Counts one chunk's outcome; throws when the stage's rejections break its error budget.
    func record(_ outcome: StageOutcome, input: Int, output: Int? = nil) throws {
        add(recordsIn, input)
        add(recordsOut, output ?? outcome.output?.count ?? 0)
        add(skipped, outcome.skipped)
        add(deadLettered, outcome.deadLetters.count)
        add(late, outcome.lateCount)
        if budget != nil, outcome.skipped + outcome.deadLetters.count > 0 || input > 0 { try checkBudget(final: false) }
    }

    /// Called by each instance at its end of input; the last one judges the budget on the
    /// whole input.
    func instanceFinished() throws {
        guard budget != nil, finishedInstances.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parallelism else { return }
        try checkBudget(final: true)
    }

    private func checkBudget(final: Bool) throws {
        guard let budget else { return }
        let rejected = skipped.load(ordering: .relaxed) + deadLettered.load(ordering: .relaxed)
        if let problem = budget.violation(rejected: rejected, input: recordsIn.load(ordering: .relaxed), final: final) {
            throw ErrorBudgetExceeded(description: problem)
        }
    }

    /// Sets instance `instance`'s value of the gauge `name`.
    func setGauge(_ name: String, instance: Int, to value: Int) {
        gaugeValues.withLock { $0[name, default: [:]][instance] = value }
    }

    /// Each gauge's value summed over instances.
    var gauges: [String: Int] {
        gaugeValues.withLock { $0.mapValues { $0.values.reduce(0, +) } }
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
            blockedOnBackpressure: .nanoseconds(blockedNanoseconds.load(ordering: .relaxed)), gauges: gauges)
    }
}

/// A stage rejected more records than its ``ErrorBudget`` allows.
struct ErrorBudgetExceeded: Error, CustomStringConvertible {
    let description: String
}

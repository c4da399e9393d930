import SluiceCore

/// Drives one ``TransformStage`` without a pipeline, through the same erased instance the
/// runtime uses: push elements (and end of input), read what it emitted, see what it
/// rejected.
///
/// ```swift
/// var harness = try StageHarness(Filter { (n: Int) in n > 1 })
/// try harness.push(1, 2, 3)
/// try harness.endInput()
/// #expect(harness.takeOutput() == [2, 3])
/// #expect(harness.finish().isClean)
/// ```
public struct StageHarness<S: TransformStage> {
    private let instance: ErasedTransform
    private var emitted: [S.Output] = []
    /// Dead letters the stage produced, in order.
    public private(set) var deadLetters: [DeadLetter] = []
    /// Records the stage skipped under `.skip`.
    public private(set) var skipped = 0
    /// Elements the stage sent to its late-event side output (when created with
    /// `routesLateEvents: true`), in order, type-erased; read them with ``lateEvents(as:)``.
    private var lateChunks: [ErasedChunk] = []
    /// Late elements so far, whether routed or dead-lettered.
    public private(set) var lateCount = 0
    /// Whether ``endInput()`` was called.
    public private(set) var inputEnded = false

    /// Creates one instance of `stage`, as instance `instance` of `parallelism`. With
    /// `routesLateEvents`, late elements are kept for ``lateEvents(as:)`` as if the pipeline
    /// routed them to a side output; otherwise they become dead letters.
    public init(_ stage: S, instance: Int = 0, parallelism: Int = 1, routesLateEvents: Bool = false) throws {
        let name = stage.settings.name ?? stage.defaultName
        self.instance = try stage.makeErasedTransform(
            StageContext(stageName: name, instance: instance, parallelism: parallelism,
                         routesLateEvents: routesLateEvents))
    }

    private mutating func absorb(_ outcome: StageOutcome) {
        if let output = outcome.output { emitted.append(contentsOf: output.elements(as: S.Output.self)) }
        skipped += outcome.skipped
        deadLetters.append(contentsOf: outcome.deadLetters)
        if let late = outcome.late { lateChunks.append(late) }
        lateCount += outcome.lateCount
    }

    /// The stage's state as a checkpoint would save it; throws when the operator is not a
    /// ``CheckpointableOperator``.
    public func snapshot() throws -> [UInt8] {
        guard let snapshot = instance.snapshotState else { throw RecordError("\(S.self)'s operator is not a CheckpointableOperator") }
        return try snapshot()
    }

    /// Replaces the stage's state with what `snapshots` (of every previous instance) hold for
    /// this one, as a resumed run does.
    public func restore(from snapshots: [[UInt8]], instance index: Int = 0, parallelism: Int = 1) throws {
        guard let restore = instance.restoreState else { throw RecordError("\(S.self)'s operator is not a CheckpointableOperator") }
        try restore(snapshots, RestoreScope(instance: index, parallelism: parallelism))
    }

    /// The elements the stage sent to its late-event side output so far; `Element` is the
    /// type the stage emits there (a window's element type).
    public func lateEvents<Element: Sendable>(as type: Element.Type) -> [Element] {
        lateChunks.flatMap { $0.elements(as: Element.self) }
    }

    /// Pushes elements as one chunk. Throws what the stage throws under `.fail`.
    public mutating func push(_ elements: S.Input...) throws { try push(contentsOf: elements) }

    /// Pushes `elements` as one chunk.
    public mutating func push(contentsOf elements: [S.Input]) throws {
        precondition(!inputEnded, "push after endInput()")
        guard !elements.isEmpty else { return }
        absorb(try instance.process(ErasedChunk(elements)))
    }

    /// Advances event time to `watermark`: the stage emits what the watermark completes.
    public mutating func pushWatermark(_ watermark: Timestamp) throws {
        precondition(!inputEnded, "pushWatermark after endInput()")
        absorb(try instance.watermark(watermark))
    }

    /// Tells the stage that processing time has reached `now`, as the runtime's ticks do.
    public mutating func advanceProcessingTime(to now: Timestamp) throws {
        precondition(!inputEnded, "advanceProcessingTime after endInput()")
        absorb(try instance.processingTime(now))
    }

    /// Signals the end of a bounded input, as the runtime does: event time jumps to
    /// +infinity (the stage emits what that completes, such as every open window), then the
    /// stage emits anything else it buffered.
    public mutating func endInput() throws {
        precondition(!inputEnded, "endInput() called twice")
        absorb(try instance.watermark(.max))
        inputEnded = true
        absorb(try instance.finish())
    }

    /// What the stage emitted and was not yet taken.
    public var output: [S.Output] { emitted }

    /// Removes and returns what the stage emitted so far.
    public mutating func takeOutput() -> [S.Output] {
        defer { emitted.removeAll() }
        return emitted
    }

    /// What is left over at the end of a test.
    public struct Leftovers {
        /// Output never taken.
        public var untakenOutput: Int
        /// Whether end of input was never signalled.
        public var inputStillOpen: Bool
        /// `true` when nothing is left over.
        public var isClean: Bool { untakenOutput == 0 && !inputStillOpen }
    }

    /// Reports what was left over: output not taken, input not ended.
    public func finish() -> Leftovers {
        Leftovers(untakenOutput: emitted.count, inputStillOpen: !inputEnded)
    }

    /// Runs `stage` over `input` split into chunks of `chunkSize`, to end of input, and
    /// returns everything it emitted.
    public static func run(_ stage: S, on input: [S.Input], chunkSize: Int) throws -> [S.Output] {
        var harness = try StageHarness(stage)
        var start = 0
        while start < input.count {
            let end = min(input.count, start + max(1, chunkSize))
            try harness.push(contentsOf: Array(input[start..<end]))
            start = end
        }
        try harness.endInput()
        return harness.takeOutput()
    }
}

extension StageHarness where S.Output: Equatable {
    /// Checks that the stage's output does not depend on chunk boundaries: the input fed one
    /// element at a time, in chunks of 7, and all at once must give the same output.
    /// Returns a description of the first difference, or `nil`.
    public static func chunkingDifference(_ stage: S, on input: [S.Input]) throws -> String? {
        let reference = try run(stage, on: input, chunkSize: max(1, input.count))
        for size in [1, 7] {
            let output = try run(stage, on: input, chunkSize: size)
            if output != reference {
                return "chunks of \(size) gave \(output.count) elements \(output.prefix(5))…, all at once gave \(reference.count) \(reference.prefix(5))…"
            }
        }
        return nil
    }
}

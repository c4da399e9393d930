/// The running instance of a ``TransformStage``: it turns each input element into zero or
/// more output elements and may keep state between elements.
///
/// ## Contract
/// - ``process(_:into:)`` is called once per element, in arrival order, never concurrently.
/// - Throwing from `process` rejects that element only: the stage's ``ErrorPolicy`` then fails
///   the run, skips the element, or dead-letters it with `String(describing: element)`.
/// - ``finish(into:)`` is called once after the last element; emit anything buffered there.
/// - Output must not depend on how the input was split into chunks.
public protocol TransformOperator<Input, Output> {
    /// The element type consumed.
    associatedtype Input: Sendable
    /// The element type produced.
    associatedtype Output: Sendable

    /// Processes one element, emitting any results into `output`.
    mutating func process(_ element: Input, into output: inout Emitter<Output>) throws

    /// Processes a whole chunk. The default calls ``process(_:into:)`` per element and hands
    /// failures to the error policy; override it only to work on the chunk as a whole.
    mutating func process(chunk: [Input], into output: inout Emitter<Output>) throws

    /// Called when event time advances on the stage's input: no element with an earlier
    /// event time will follow (later elements that do are late). Emit results that the
    /// watermark completes, such as closed windows. At the end of bounded input this is
    /// called with `Timestamp.max` before ``finish(into:)``.
    mutating func onWatermark(_ watermark: Timestamp, into output: inout Emitter<Output>) throws

    /// Called as processing time passes, about every ``RunOptions`` tick interval, for stages
    /// whose ``TransformStage/needsProcessingTime`` is `true`. Emit what is due, such as a
    /// batch that has waited long enough.
    mutating func onProcessingTime(_ now: Timestamp, into output: inout Emitter<Output>) throws

    /// Called once at end of input; emits anything still buffered.
    mutating func finish(into output: inout Emitter<Output>) throws
}

extension TransformOperator {
    @inlinable public mutating func process(chunk: [Input], into output: inout Emitter<Output>) throws {
        for (index, element) in chunk.enumerated() {
            output.inputIndex = index
            do {
                try process(element, into: &output)
            } catch {
                try output.reject(error, rawInput: String(describing: element))
            }
        }
        output.inputIndex = -1
    }

    @inlinable public mutating func onWatermark(_ watermark: Timestamp, into output: inout Emitter<Output>) throws {}

    @inlinable public mutating func onProcessingTime(_ now: Timestamp, into output: inout Emitter<Output>) throws {}

    @inlinable public mutating func finish(into output: inout Emitter<Output>) throws {}
}

/// A stage that turns elements of one type into elements of another: the protocol behind
/// ``Map``, ``Filter``, ``KeyBy`` and your own stages.
///
/// ```swift
/// struct Deduplicate: TransformStage {
///     var settings = StageSettings()
///     var defaultName: String { "deduplicate" }
///     func makeOperator(_ context: StageContext) -> Operator { Operator() }
///     struct Operator: TransformOperator {
///         var seen: Set<String> = []
///         mutating func process(_ order: Order, into output: inout Emitter<Order>) {
///             if seen.insert(order.id).inserted { output.emit(order) }
///         }
///     }
/// }
/// ```
public protocol TransformStage<Input, Output>: Stage {
    /// The running form of the stage.
    associatedtype Operator: TransformOperator where Operator.Input == Input, Operator.Output == Output

    /// `true` when the stage keeps no state between elements. Stateless stages are fused with
    /// their neighbours into one task and may be freely parallelised.
    var isStateless: Bool { get }

    /// How the output is spread over the next stage's instances.
    var outputPartitioning: OutputPartitioning<Output> { get }

    /// `true` when the operator's ``TransformOperator/onProcessingTime(_:into:)`` must be
    /// called as processing time passes. The default is `false`.
    var needsProcessingTime: Bool { get }

    /// Creates one instance; called once per instance per run.
    func makeOperator(_ context: StageContext) throws -> Operator
}

extension TransformStage {
    /// Stateful unless declared otherwise.
    public var isStateless: Bool { false }
    /// Unspecified.
    public var outputPartitioning: OutputPartitioning<Output> { .unspecified }
    /// No processing time.
    public var needsProcessingTime: Bool { false }

    /// Creates the type-erased instance the runtime (and ``StageHarness``) drives.
    @inlinable public func makeErasedTransform(_ context: StageContext) throws -> ErasedTransform {
        let failures = RecordFailures(stage: context.stageName, policy: settings.errorPolicy)
        return ErasedTransform(try makeOperator(context), failures: failures, chunkSize: context.chunkSize,
                               routesLateEvents: context.routesLateEvents)
    }

    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let stage = self
        let node = graph.addNode(
            stage: self, kind: .transform, isStateless: isStateless,
            partitioner: outputPartitioning.partitioner, inputs: upstream,
            implementation: .transform { context in try stage.makeErasedTransform(context) },
            needsProcessingTime: needsProcessingTime)
        return [node]
    }
}

extension Emitter {
    /// Removes what was emitted and rejected so far, as the runtime receives it.
    @inlinable public mutating func takeOutcome() -> StageOutcome {
        let elements = takeElements()
        let (lateChunk, lateCount) = late.take()
        var lineage: Lineage?
        if lineageMode == .fromInput {
            lineage = elements.isEmpty ? nil : inputLineage?.selecting(producedFrom)
            producedFrom.removeAll(keepingCapacity: true)
        } else if lineageMode == .fromSource {
            lineage = sourceLines?.take().map(Lineage.init)
        }
        return StageOutcome(output: elements.isEmpty ? nil : ErasedChunk(elements, lineage: lineage),
                            skipped: failures.takeSkipped(), deadLetters: failures.takeDeadLetters(),
                            late: lateChunk, lateCount: lateCount)
    }
}

/// What one call into an erased stage produced.
public struct StageOutcome {
    /// The elements produced; `nil` when none.
    public var output: ErasedChunk?
    /// Records skipped under the `.skip` policy during the call.
    public var skipped: Int
    /// Records dead-lettered during the call.
    public var deadLetters: [DeadLetter]
    /// Late elements for the stage's late-event side output, when it has one.
    public var late: ErasedChunk?
    /// Late elements during the call, routed or dead-lettered.
    public var lateCount: Int

    /// Creates an outcome.
    @inlinable public init(output: ErasedChunk?, skipped: Int = 0, deadLetters: [DeadLetter] = [],
                           late: ErasedChunk? = nil, lateCount: Int = 0) {
        self.output = output
        self.skipped = skipped
        self.deadLetters = deadLetters
        self.late = late
        self.lateCount = lateCount
    }
}

/// A running transform with its types erased, as the runtime drives it: one call per chunk.
public struct ErasedTransform {
    /// Processes one chunk.
    public let process: (ErasedChunk) throws -> StageOutcome
    /// Advances event time.
    public let watermark: (Timestamp) throws -> StageOutcome
    /// Advances processing time.
    public let processingTime: (Timestamp) throws -> StageOutcome
    /// Flushes at end of input.
    public let finish: () throws -> StageOutcome
    /// The encoded state, for a checkpoint; `nil` when the operator is not a
    /// ``CheckpointableOperator``.
    public let snapshotState: (() throws -> [UInt8])?
    /// Restores from the encoded snapshots of every previous instance; `nil` when the operator
    /// is not a ``CheckpointableOperator``.
    public let restoreState: (([[UInt8]], RestoreScope) throws -> Void)?

    /// Erases `operator`. The closures are specialised where this is inlined, so the loop
    /// over elements runs at full speed.
    @inlinable public init<Op: TransformOperator>(_ operator: Op, failures: RecordFailures, chunkSize: Int,
                                                  routesLateEvents: Bool = false) {
        var op = `operator`
        var emitter = Emitter<Op.Output>(failures: failures, routesLateEvents: routesLateEvents)
        func outcome() -> StageOutcome { emitter.takeOutcome() }
        process = { chunk in
            emitter.beginChunk(lineage: chunk.lineage)
            defer { emitter.endChunk() }
            try op.process(chunk: chunk.elements(as: Op.Input.self), into: &emitter)
            return outcome()
        }
        watermark = { time in
            try op.onWatermark(time, into: &emitter)
            return outcome()
        }
        processingTime = { now in
            try op.onProcessingTime(now, into: &emitter)
            return outcome()
        }
        finish = {
            try op.finish(into: &emitter)
            return outcome()
        }
        let hooks = StateHooks(Op.self, get: { op }, set: { op = $0 })
        snapshotState = hooks.snapshot
        restoreState = hooks.restore
    }
}

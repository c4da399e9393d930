/// The running instance of a ``BinaryStage``: like a ``TransformOperator`` with two inputs of
/// different types.
///
/// ## Contract
/// - `processLeft` and `processRight` are called per element in each input's order, never
///   concurrently; the order between the two inputs is arbitrary.
/// - `endLeft`/`endRight` are called once when that input has no more elements (the other
///   may still be running); `finish` once after both.
/// - `onWatermark` receives the minimum of both inputs' watermarks.
public protocol BinaryOperator<Left, Right, Output> {
    /// The left input's elements.
    associatedtype Left: Sendable
    /// The right input's elements.
    associatedtype Right: Sendable
    /// The elements produced.
    associatedtype Output: Sendable

    /// Processes one left element.
    mutating func processLeft(_ element: Left, into output: inout Emitter<Output>) throws
    /// Processes one right element.
    mutating func processRight(_ element: Right, into output: inout Emitter<Output>) throws
    /// The left input has ended.
    mutating func endLeft(into output: inout Emitter<Output>) throws
    /// The right input has ended.
    mutating func endRight(into output: inout Emitter<Output>) throws
    /// Event time has advanced on both inputs.
    mutating func onWatermark(_ watermark: Timestamp, into output: inout Emitter<Output>) throws
    /// Both inputs have ended.
    mutating func finish(into output: inout Emitter<Output>) throws
}

extension BinaryOperator {
    /// Nothing to do.
    @inlinable public mutating func endLeft(into output: inout Emitter<Output>) throws {}
    /// Nothing to do.
    @inlinable public mutating func endRight(into output: inout Emitter<Output>) throws {}
    /// Nothing to do.
    @inlinable public mutating func onWatermark(_ watermark: Timestamp, into output: inout Emitter<Output>) throws {}
    /// Nothing to do.
    @inlinable public mutating func finish(into output: inout Emitter<Output>) throws {}
}

/// A stage with two inputs of different types, such as a join. The left input comes from
/// the flow before it, the right from the flow it is given.
public protocol BinaryStage<Left, Right, Output>: Stage where Input == Left {
    /// The left input's elements.
    associatedtype Left: Sendable
    /// The right input's elements.
    associatedtype Right: Sendable
    /// The running form.
    associatedtype Operator: BinaryOperator where Operator.Left == Left, Operator.Right == Right, Operator.Output == Output

    /// The flow producing the right input.
    var right: Flow<Never, Right> { get }
    /// Creates one instance.
    func makeOperator(_ context: StageContext) throws -> Operator
}

extension BinaryStage {
    /// Creates the type-erased instance the runtime drives.
    @inlinable public func makeErasedBinary(_ context: StageContext) throws -> ErasedBinary {
        ErasedBinary(try makeOperator(context), failures: RecordFailures(stage: context.stageName, policy: settings.errorPolicy))
    }

    /// Adds the right flow, then this stage fed by both: left inputs first.
    @inlinable public func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let rightExits = right.addNodes(to: &graph, after: [])
        let stage = self
        let node = graph.addNode(
            stage: self, kind: .transform, isStateless: false, partitioner: nil, inputs: upstream + rightExits,
            implementation: .binary(leftInputs: upstream.count) { context in try stage.makeErasedBinary(context) },
            inputType: PortType(Left.self), rightInputType: PortType(Right.self))
        return [node]
    }
}

/// A running binary stage with its types erased.
public struct ErasedBinary {
    /// Processes a chunk of the left input.
    public let processLeft: (ErasedChunk) throws -> StageOutcome
    /// Processes a chunk of the right input.
    public let processRight: (ErasedChunk) throws -> StageOutcome
    /// One input has ended (`true` for left).
    public let end: (_ left: Bool) throws -> StageOutcome
    /// Event time has advanced.
    public let watermark: (Timestamp) throws -> StageOutcome
    /// Both inputs have ended.
    public let finish: () throws -> StageOutcome
    /// The encoded state, for a checkpoint; `nil` when the operator is not a
    /// ``CheckpointableOperator``.
    public let snapshotState: (() throws -> [UInt8])?
    /// Restores from the encoded snapshots of every previous instance.
    public let restoreState: (([[UInt8]], RestoreScope) throws -> Void)?

    /// Erases `operator`.
    @inlinable public init<Op: BinaryOperator>(_ operator: Op, failures: RecordFailures) {
        var op = `operator`
        var emitter = Emitter<Op.Output>(failures: failures)
        func outcome() -> StageOutcome { emitter.takeOutcome() }
        processLeft = { chunk in
            emitter.beginChunk(lineage: chunk.lineage)
            defer { emitter.endChunk() }
            for (index, element) in chunk.elements(as: Op.Left.self).enumerated() {
                emitter.inputIndex = index
                do { try op.processLeft(element, into: &emitter) } catch {
                    try emitter.reject(error, rawInput: String(describing: element))
                }
            }
            return outcome()
        }
        processRight = { chunk in
            emitter.beginChunk(lineage: chunk.lineage)
            defer { emitter.endChunk() }
            for (index, element) in chunk.elements(as: Op.Right.self).enumerated() {
                emitter.inputIndex = index
                do { try op.processRight(element, into: &emitter) } catch {
                    try emitter.reject(error, rawInput: String(describing: element))
                }
            }
            return outcome()
        }
        end = { left in
            if left { try op.endLeft(into: &emitter) } else { try op.endRight(into: &emitter) }
            return outcome()
        }
        watermark = { time in
            try op.onWatermark(time, into: &emitter)
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

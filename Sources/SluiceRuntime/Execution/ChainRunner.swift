import SluiceCore

/// Runs one instance of one chain inside its own child task: the head stage (source, the
/// reader of an input channel, or a sink) followed by the fused stateless stages, then routes
/// the output to the consumer chains.
final class ChainRunner {
    private struct Transform {
        let instance: ErasedTransform
        let metrics: StageMetrics
        let name: String
        let node: NodeID
    }

    private struct Target {
        let channels: [BoundedChannel]
        let routing: PhysicalPlan.Routing
        /// Set when the target reads that stage's late events instead of the main output.
        let lateOutputOf: NodeID?
        /// Set when the target reads one output of the tail's ``OutputRouter``.
        let output: Int?
        let producer: Int
        var nextRoundRobin: Int
    }

    private let run: PipelineExecution
    private let chain: PhysicalPlan.Chain
    private let instance: Int
    private var targets: [Target] = []
    private var transforms: [Transform] = []
    /// The head, when it is a two-input stage.
    private var binaryHead: (instance: ErasedBinary, metrics: StageMetrics, name: String)?
    /// This instance's counts per stage (by graph index) since the pipeline first started:
    /// restored from the checkpoint, carried forward in every new one.
    private var totals: [Int: StageTotals] = [:]
    private let tailMetrics: StageMetrics
    /// How the tail divides its output among its outputs, when it has several.
    private let router: OutputRouter?
    private let deadLetterTarget: (channel: BoundedChannel, producer: Int)?

    init(run: PipelineExecution, chain: PhysicalPlan.Chain, instance: Int) {
        self.run = run
        self.chain = chain
        self.instance = instance
        tailMetrics = run.metrics[chain.tail.index]
        router = run.plan.graph[chain.tail].outputRouter
        for edge in run.plan.outputs[chain.index] {
            targets.append(Target(channels: run.channels[edge.consumer], routing: edge.routing,
                                  lateOutputOf: edge.lateOutputOf, output: edge.output, producer: edge.producerIndex(instance: instance),
                                  nextRoundRobin: instance % max(1, run.channels[edge.consumer].count)))
        }
        if let deadLetterChain = run.plan.deadLetterChain, deadLetterChain != chain.index {
            deadLetterTarget = (run.channels[deadLetterChain][0],
                                run.plan.deadLetterProducerOffset[chain.index] + instance)
        } else {
            deadLetterTarget = nil
        }
        if let restored = run.restored {
            let parallelism = run.plan.graph[chain.head].parallelism
            let nodes = Dictionary(chain.nodes.map { (run.plan.graph[$0].name, $0.index) }, uniquingKeysWith: { first, _ in first })
            // Instances beyond today's parallelism hand their counts to instance 0.
            for part in restored.parts where part.kind == .counters
                && (part.instance == instance || (instance == 0 && part.instance >= parallelism)) {
                // Counts are informational: a part from another version counts nothing.
                guard let counted = try? StateCoding.decode([StageTotals].self, from: part.bytes) else { continue }
                for stage in counted {
                    guard let index = nodes[stage.name] else { continue }
                    totals[index, default: StageTotals(name: stage.name)].add(stage)
                }
            }
        }
    }

    private func context(for node: LogicalNode) -> StageContext {
        var context = StageContext(stageName: node.name, instance: instance, parallelism: node.parallelism,
                                   chunkSize: run.options.chunkSize, clock: run.options.clock,
                                   routesLateEvents: !run.plan.graph.lateConsumers(of: node.id).isEmpty,
                                   isCheckpointed: run.checkpoints != nil, warning: run.options.warning)
        context.pipelineName = run.pipelineName
        context.committedPositions = run.checkpoints?.committedPositions
        let metrics = run.metrics[node.id.index], instance = self.instance
        context.gauge = { name, value in metrics.setGauge(name, instance: instance, to: value) }
        context.shared = run.sharedStates[node.id.index]
        context.partition = run.options.partition
        return context
    }

    /// Calls `body`, tagging any error it throws (other than cancellation) with `stage`.
    private func attributed<T>(to stage: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CancellationError {
            throw error
        } catch let error as ChannelClosedError {
            throw error
        } catch {
            throw StageFailure(stage: stage, error: error)
        }
    }

    func runToCompletion() async throws {
        let graph = run.plan.graph
        let head = graph[chain.head]
        let fusedStart = head.kind == .transform ? 0 : 1
        for id in chain.nodes[fusedStart...] {
            let node = graph[id]
            guard case .transform(let make) = node.implementation else { continue }
            let made = try await attributed(to: node.name) { try make(context(for: node)) }
            transforms.append(Transform(instance: made, metrics: run.metrics[id.index], name: node.name, node: id))
        }
        if run.checkpoints != nil { try prepareTransformsForCheckpoints() }
        switch head.implementation {
        case .source(let make):
            try await runSource(head, make: make)
        case .transform:
            try await withTicker {
                try await runInputLoop(onBarrier: { id in try await self.checkpointTransforms(id) }) { chunk, _ in
                    try await self.push(chunk, from: 0)
                }
            }
            try await finishTransforms()
            try await acknowledgeFinal(parts: try transformStates())
            try await finishOutputs()
        case .sink(let make):
            try await runSink(head, make: make)
        case .binary(_, let make):
            try await runBinary(head, make: make)
        }
    }

    /// Runs a two-input head: chunks go to the side their producer feeds, and each side is
    /// told when all of its producers have ended.
    private func runBinary(_ node: LogicalNode, make: @Sendable (StageContext) throws -> ErasedBinary) async throws {
        let binary = try await attributed(to: node.name) { try make(context(for: node)) }
        let metrics = run.metrics[node.id.index]
        binaryHead = (binary, metrics, node.name)
        if run.checkpoints != nil {
            try prepareForCheckpoints(name: node.name, node: node.id, snapshot: binary.snapshotState, restore: binary.restoreState)
        }
        let isRight = run.plan.producerIsRight[chain.index]
        var remaining = [false: isRight.filter { !$0 }.count, true: isRight.filter { $0 }.count]
        func deliver(_ outcome: StageOutcome, input: Int) async throws {
            try await absorbHeadOutcome(outcome, metrics: metrics, input: input)
        }
        try await withTicker {
            try await runInputLoop(onEnd: { producer in
                let right = isRight[producer]
                remaining[right, default: 0] -= 1
                if remaining[right] == 0 {
                    try await deliver(try await self.attributed(to: node.name) { try binary.end(!right) }, input: 0)
                }
            }, onBarrier: { id in try await self.checkpointTransforms(id) }) { chunk, producer in
                let outcome = try await self.attributed(to: node.name) {
                    isRight[producer] ? try binary.processRight(chunk) : try binary.processLeft(chunk)
                }
                try await deliver(outcome, input: chunk.count)
            }
        }
        try await deliver(try await attributed(to: node.name) { try binary.finish() }, input: 0)
        try await finishTransforms()
        try await acknowledgeFinal(parts: try transformStates())
        try await finishOutputs()
    }

    /// Whether this chain's stages need processing time, or its input needs idleness checks.
    private var needsTicks: Bool {
        let graph = run.plan.graph
        return chain.nodes.contains { graph[$0].needsProcessingTime }
            || (run.options.idleTimeout != nil && run.plan.producerCounts[chain.index] > 1)
    }

    /// Runs `body` (the input loop of a transform or two-input head; source chains check the
    /// clock between reads instead) while a child task puts processing-time ticks into this
    /// instance's channel,
    /// in order with the data, so that time-driven work happens on this task.
    private func withTicker(_ body: () async throws -> Void) async throws {
        guard needsTicks else { return try await body() }
        let channel = run.channels[chain.index][instance]
        let clock = run.options.clock
        let interval = run.options.tickMilliseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Announces the time at once, then every interval; ends when cancelled (errors
                // only mean the run is stopping).
                var first = true
                while !Task.isCancelled {
                    do {
                        if !first { try await clock.sleep(until: clock.now.advanced(by: .milliseconds(interval))) }
                        first = false
                        try await channel.send(ChannelMessage(producer: ChainRunner.tickerProducer,
                                                              event: .processingTime(clock.now)))
                    } catch {
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// The producer index of ticks, outside the range of real producers.
    static let tickerProducer = -1

    /// Tells every fused transform that processing time has reached `now`.
    private func advanceProcessingTime(to now: Timestamp) async throws {
        try await forEachTransform { try $0.processingTime(now) }
    }

    /// Calls `event` on every fused transform in order, pushing what each emits through the
    /// transforms after it: how watermarks, ticks and the end of input reach a chain.
    private func forEachTransform(_ event: (ErasedTransform) throws -> StageOutcome) async throws {
        for position in transforms.indices {
            let transform = transforms[position]
            let outcome = try await attributed(to: transform.name) {
                let outcome = try event(transform.instance)
                try self.record(transform.metrics, outcome, input: 0)
                return outcome
            }
            try await deliverSideOutputs(outcome, of: transform.node)
            if let output = outcome.output { try await push(output, from: position + 1) }
        }
    }

    // MARK: Heads

    private func runSource(_ node: LogicalNode, make: @Sendable (StageContext) async throws -> ErasedSource) async throws {
        let metrics = run.metrics[node.id.index]
        let source = try await attributed(to: node.name) { try await make(context(for: node)) }
        var injected: UInt64 = 0
        if run.checkpoints != nil {
            guard let restore = source.restore, source.position != nil else {
                await source.close()
                throw StageFailure(stage: node.name, error: CheckpointProblem(
                    "source '\(node.name)' cannot record its position, so it cannot take part in checkpoints (its reader is not a CheckpointableSourceReader)"))
            }
            if let restored = run.restored {
                injected = restored.id
                let saved = restored.parts(of: node.name, kind: .position)
                // A source that divides its work among its instances reads every instance's
                // position, whatever the parallelism was; others read their own.
                let mine = saved.first(where: { $0.instance == instance })
                if source.restoreAll != nil ? !saved.isEmpty : mine != nil {
                    do {
                        if let restoreAll = source.restoreAll {
                            try restoreAll(saved.map(\.bytes))
                        } else if let mine {
                            try restore(mine.bytes)
                        }
                    } catch {
                        await source.close()
                        throw StageFailure(stage: node.name, error: CheckpointProblem(
                            "cannot resume source '\(node.name)' from checkpoint \(restored.id): \(error)"))
                    }
                }
            }
        }
        var newestEventTime = Timestamp.min
        var emittedWatermark = Timestamp.min
        var partitionWatermarks = PartitionWatermarks(boundMilliseconds: node.watermarks?.maxOutOfOrdernessMilliseconds ?? 0,
                                                      idleTimeout: run.options.idleTimeout?.wholeMilliseconds)
        partitionWatermarks.expect(source.expectedPartitions, now: run.options.clock.now)
        let clock = run.options.clock
        let ticks = needsTicks
        var nextTick = ticks ? clock.now : .max
        do {
            var finished = false
            while !finished {
                try Task.checkCancellation()
                if ticks, clock.now >= nextTick {
                    let now = clock.now
                    nextTick = now.advanced(by: .milliseconds(run.options.tickMilliseconds))
                    try await advanceProcessingTime(to: now)
                }
                let (outcome, done) = try await attributed(to: node.name) { try await source.read(run.options.chunkSize) }
                finished = done
                let produced = outcome.output?.count ?? 0
                try await attributed(to: node.name) { try self.record(metrics, outcome, input: produced + outcome.skipped + outcome.deadLetters.count) }
                try await deliverDeadLetters(outcome.deadLetters)
                // Asked right after the read, before anything else can read again.
                let partitionOf = node.watermarks == nil && source.forwardedWatermarks == nil ? nil : source.partitions?()
                if let chunk = outcome.output {
                    try await push(chunk, from: 0)
                    if let generator = node.watermarks, partitionOf == nil {
                        newestEventTime = max(newestEventTime, generator.newestEventTime(chunk))
                        let watermark = generator.watermark(afterNewest: newestEventTime)
                        if watermark > emittedWatermark {
                            emittedWatermark = watermark
                            try await advanceWatermark(to: watermark)
                        }
                    }
                }
                if let partitionOf {
                    let now = clock.now
                    if let chunk = outcome.output {
                        guard partitionOf.count == chunk.count else {
                            throw StageFailure(stage: node.name, error: RecordError(
                                "source '\(node.name)' named the partitions of \(partitionOf.count) elements but read \(chunk.count)"))
                        }
                        if let generator = node.watermarks {
                            partitionWatermarks.observe(eventTimes: generator.eventTimes(chunk), partitionOf: partitionOf, now: now)
                        } else {
                            partitionWatermarks.heard(from: partitionOf, now: now)
                        }
                    }
                    for (partition, watermark) in source.forwardedWatermarks?() ?? [] {
                        partitionWatermarks.observe(watermark: watermark, partition: partition, now: now)
                    }
                    if let watermark = partitionWatermarks.advance(now: now) {
                        try await advanceWatermark(to: watermark)
                    }
                }
                if let checkpoints = run.checkpoints, !finished, let id = checkpoints.barrierDue(after: injected) {
                    injected = id.rawValue
                    let position = try await attributed(to: node.name) { try source.position!() }
                    try acknowledge(id, parts: [CheckpointPart(stage: node.name, instance: instance, kind: .position, bytes: position)]
                                    + transformStates())
                    try await forwardBarrier(id)
                }
            }
        } catch {
            await source.close()
            throw error
        }
        let finalPosition = run.checkpoints == nil ? nil : try await attributed(to: node.name) { try source.position!() }
        await source.close()
        // A bounded source is complete: event time jumps to +infinity, closing everything.
        try await advanceWatermark(to: .max)
        try await finishTransforms()
        if let finalPosition {
            try await acknowledgeFinal(parts: [CheckpointPart(stage: node.name, instance: instance, kind: .position, bytes: finalPosition)]
                                       + transformStates(), isSource: true)
        }
        try await finishOutputs()
    }

    private func runSink(_ node: LogicalNode, make: @Sendable (StageContext) async throws -> ErasedSink) async throws {
        let metrics = run.metrics[node.id.index]
        let sink = try await attributed(to: node.name) { try await make(context(for: node)) }
        do {
            if run.checkpoints != nil, let recover = sink.recover {
                let committed = run.restored?.parts(of: node.name, kind: .transaction).first { $0.instance == instance }
                try await attributed(to: node.name) { try await recover(committed?.bytes) }
            }
            // Records a sink refuses when it writes what it held back: they were counted in.
            func flush() async throws {
                let outcome = try await self.attributed(to: node.name) { try await sink.flush() }
                try await self.attributed(to: node.name) {
                    try self.record(metrics, outcome, input: 0, output: -(outcome.skipped + outcome.deadLetters.count))
                }
                try await self.deliverDeadLetters(outcome.deadLetters)
            }
            try await runInputLoop(onBarrier: { id in
                try await flush()
                var parts: [CheckpointPart] = []
                if let preCommit = sink.preCommit {
                    let transaction = try await self.attributed(to: node.name) { try await preCommit(id) }
                    parts.append(CheckpointPart(stage: node.name, instance: self.instance, kind: .transaction, bytes: transaction))
                }
                try self.acknowledge(id, parts: parts)
                try await self.forwardBarrier(id)
            }, onWatermark: sink.watermark.map { watermark in
                { time in try await self.attributed(to: node.name) { try await watermark(time) } }
            }) { chunk, _ in
                let outcome = try await self.attributed(to: node.name) { try await sink.write(chunk) }
                // A sink's output is what it wrote: its input less what it rejected.
                try await self.attributed(to: node.name) {
                    try self.record(metrics, outcome, input: chunk.count, output: chunk.count - outcome.skipped - outcome.deadLetters.count)
                }
                try await self.deliverDeadLetters(outcome.deadLetters)
            }
            try await flush()
            if run.checkpoints != nil {
                var parts: [CheckpointPart] = []
                if let preCommit = sink.preCommit {
                    let transaction = try await attributed(to: node.name) { try await preCommit(.final) }
                    parts.append(CheckpointPart(stage: node.name, instance: instance, kind: .transaction, bytes: transaction))
                }
                try await acknowledgeFinal(parts: parts)
            }
            try await finishOutputs()
            // Every sink's output is durable before any is made visible: a run that fails
            // here (a full disk) publishes nothing.
            try await attributed(to: node.name) { try await sink.prepareToFinish() }
            try await run.commitGate.arriveAndWait()
            try await attributed(to: node.name) { try await sink.finish() }
        } catch {
            await sink.abort()
            throw error
        }
    }

    /// Receives from this instance's channel until every producer has ended.
    ///
    /// Checkpoint barriers are aligned: once barrier *n* came from a producer, that
    /// producer's later messages are held back until barrier *n* came from every producer
    /// still running; then `onBarrier` runs (state as of exactly the elements before the
    /// barrier) and the held messages are processed.
    private func runInputLoop(onEnd: (Int) async throws -> Void = { _ in },
                              onBarrier: (CheckpointID) async throws -> Void = { _ in },
                              onWatermark: ((Timestamp) async throws -> Void)? = nil,
                              _ onData: (ErasedChunk, Int) async throws -> Void) async throws {
        func advanceWatermark(to watermark: Timestamp) async throws {
            try await self.advanceWatermark(to: watermark)
            try await onWatermark?(watermark)
        }
        let channel = run.channels[chain.index][instance]
        let clock = run.options.clock
        let idleTimeout = run.options.idleTimeout?.wholeMilliseconds
        let producers = run.plan.producerCounts[chain.index]
        var tracker = InputTracker(producers: producers, idleTimeout: idleTimeout,
                                   now: idleTimeout == nil ? .min : clock.now)
        var aligning: (id: CheckpointID, arrived: Set<Int>)?
        var held: [ChannelMessage] = []
        var replay: [ChannelMessage] = []
        var replayIndex = 0
        func alignmentComplete() async throws {
            guard let current = aligning, current.arrived.count >= producers - tracker.endedCount else { return }
            aligning = nil
            try await onBarrier(current.id)
            replay = held + replay[replayIndex...]
            replayIndex = 0
            held = []
        }
        while !tracker.isFinished {
            let message: ChannelMessage
            if replayIndex < replay.count {
                message = replay[replayIndex]
                replayIndex += 1
            } else {
                message = try await channel.receive()
            }
            if let current = aligning, current.arrived.contains(message.producer) {
                held.append(message)
                continue
            }
            if message.producer != ChainRunner.tickerProducer, idleTimeout != nil {
                tracker.heard(from: message.producer, at: clock.now)
            }
            switch message.event {
            case .processingTime(let now):
                if let combined = tracker.tick(now) { try await advanceWatermark(to: combined) }
                try await advanceProcessingTime(to: now)
            case .data(let chunk):
                try await onData(chunk, message.producer)
            case .watermark(let time):
                if let combined = tracker.watermark(time, producer: message.producer) {
                    try await advanceWatermark(to: combined)
                }
            case .barrier(let id):
                if aligning == nil { aligning = (id, []) }
                aligning?.arrived.insert(message.producer)
                try await alignmentComplete()
            case .endOfInput:
                let combined = tracker.end(producer: message.producer)
                try await onEnd(message.producer)
                if let combined { try await advanceWatermark(to: combined) }
                try await alignmentComplete()
            }
        }
    }

    // MARK: Checkpoints

    private var participant: Int { run.participantOffsets[chain.index] + instance }

    /// With checkpoints: every stateful transform must be able to save its state; restores
    /// it when the run resumes.
    private func prepareTransformsForCheckpoints() throws {
        let graph = run.plan.graph
        for transform in transforms where !graph[transform.node].isStateless {
            try prepareForCheckpoints(name: transform.name, node: transform.node,
                                      snapshot: transform.instance.snapshotState, restore: transform.instance.restoreState)
        }
    }

    /// Checks that a stateful stage can be checkpointed and restores its state, if the run
    /// resumes and the checkpoint has some.
    private func prepareForCheckpoints(name: String, node: NodeID, snapshot: (() throws -> [UInt8])?,
                                       restore: (([[UInt8]], RestoreScope) throws -> Void)?) throws {
        guard snapshot != nil, let restore else {
            throw StageFailure(stage: name, error: CheckpointProblem(
                "stage '\(name)' keeps state that cannot be checkpointed: its operator is not a CheckpointableOperator (or its key or state type is not Codable)"))
        }
        guard let restored = run.restored else { return }
        let parts = restored.parts(of: name, kind: .state)
        guard !parts.isEmpty else { return }
        do {
            try restore(parts.map(\.bytes), RestoreScope(instance: instance, parallelism: run.plan.graph[node].parallelism))
        } catch {
            if run.checkpoints?.policy.allowDroppingState.contains(name) == true { return }
            throw StageFailure(stage: name, error: CheckpointProblem(
                "the state of stage '\(name)' in checkpoint \(restored.id) does not fit the stage any more (\(error)); allow dropping it with allowDroppingState: [\"\(name)\"]"))
        }
    }

    /// The encoded state of every stateful stage in the chain: the two-input head, if any,
    /// and the transforms.
    private func transformStates() throws -> [CheckpointPart] {
        var parts: [CheckpointPart] = []
        if let head = binaryHead, let snapshot = head.instance.snapshotState {
            parts.append(CheckpointPart(stage: head.name, instance: instance, kind: .state, bytes: try snapshot()))
        }
        for transform in transforms {
            guard let snapshot = transform.instance.snapshotState else { continue }
            parts.append(CheckpointPart(stage: transform.name, instance: instance, kind: .state, bytes: try snapshot()))
        }
        return parts
    }

    /// Snapshots the chain's transforms for checkpoint `id`, then passes the barrier on.
    private func checkpointTransforms(_ id: CheckpointID) async throws {
        try acknowledge(id, parts: try transformStates())
        try await forwardBarrier(id)
    }

    /// Counts one outcome in the stage's metrics and in this instance's totals since the first
    /// start; throws when the stage breaks its error budget.
    private func record(_ metrics: StageMetrics, _ outcome: StageOutcome, input: Int, output: Int? = nil) throws {
        try metrics.record(outcome, input: input, output: output)
        guard run.checkpoints != nil else { return }   // the totals travel only in checkpoints
        totals[metrics.index, default: StageTotals(name: metrics.name)].add(outcome, input: input, output: output)
    }

    /// This instance's totals of every stage of its chain, as one checkpoint part (one file
    /// to write and sync per chain instance, not one per stage).
    private func counterParts() throws -> [CheckpointPart] {
        guard run.checkpoints != nil else { return [] }
        let counted = chain.nodes.map { totals[$0.index] ?? StageTotals(name: run.plan.graph[$0].name) }
        return [CheckpointPart(stage: run.plan.graph[chain.head].name, instance: instance, kind: .counters,
                               bytes: try StateCoding.encode(counted))]
    }

    private func acknowledge(_ id: CheckpointID, parts: [CheckpointPart]) throws {
        do {
            try run.checkpoints?.acknowledge(id, participant: participant, parts: parts + counterParts())
        } catch {
            throw StageFailure(stage: run.plan.graph[chain.head].name, error: error)
        }
    }

    private func acknowledgeFinal(parts: [CheckpointPart], isSource: Bool = false) async throws {
        do {
            try run.checkpoints?.acknowledgeFinal(participant: participant, isSource: isSource, parts: parts + counterParts())
        } catch {
            throw StageFailure(stage: run.plan.graph[chain.head].name, error: error)
        }
    }

    /// Sends a barrier to every consumer, the dead-letter sink included.
    private func forwardBarrier(_ id: CheckpointID) async throws {
        try await broadcast(.barrier(id))
        if let deadLetterTarget {
            try await deadLetterTarget.channel.send(ChannelMessage(producer: deadLetterTarget.producer, event: .barrier(id)))
        }
    }

    // MARK: Fused stages

    /// Pushes `chunk` through the fused transforms starting at `index`, then downstream.
    private func push(_ chunk: ErasedChunk, from index: Int) async throws {
        var current = chunk
        for position in index..<transforms.count {
            let transform = transforms[position]
            let outcome = try await attributed(to: transform.name) {
                let outcome = try transform.instance.process(current)
                try self.record(transform.metrics, outcome, input: current.count)
                return outcome
            }
            try await deliverSideOutputs(outcome, of: transform.node)
            guard let output = outcome.output else { return }
            current = output
        }
        try await route(current)
    }

    /// Tells every fused transform, in order, that event time has reached `watermark`, pushing
    /// what each emits through the stages after it, then forwards the watermark downstream:
    /// results a watermark completes always precede it.
    private func advanceWatermark(to watermark: Timestamp) async throws {
        if let head = binaryHead {
            let outcome = try await attributed(to: head.name) { try head.instance.watermark(watermark) }
            try await absorbHeadOutcome(outcome, metrics: head.metrics, input: 0)
        }
        try await forEachTransform { try $0.watermark(watermark) }
        try await broadcast(.watermark(watermark))
    }

    /// Counts what a two-input head produced and sends it on through the fused transforms.
    private func absorbHeadOutcome(_ outcome: StageOutcome, metrics: StageMetrics, input: Int) async throws {
        try await attributed(to: metrics.name) { try self.record(metrics, outcome, input: input) }
        try await deliverSideOutputs(outcome, of: chain.head)
        if let output = outcome.output { try await push(output, from: 0) }
    }

    /// Lets every fused transform emit what it buffered, in order, pushing each result
    /// through the stages after it.
    private func finishTransforms() async throws {
        try await forEachTransform { try $0.finish() }
    }

    // MARK: Output

    private func send(_ event: StreamEvent, to channel: BoundedChannel, producer: Int) async throws {
        let blocked = try await channel.send(ChannelMessage(producer: producer, event: event))
        tailMetrics.addBlocked(blocked)
    }

    /// Sends a stage's dead letters and late events where they go.
    private func deliverSideOutputs(_ outcome: StageOutcome, of node: NodeID) async throws {
        try await deliverDeadLetters(outcome.deadLetters)
        if let late = outcome.late { try await route(late, lateOutputOf: node) }
    }

    /// Sends a data chunk to every consumer chain according to each edge's routing: the main
    /// output, or with `lateOutputOf`, that stage's late events.
    private func route(_ chunk: ErasedChunk, lateOutputOf producer: NodeID? = nil) async throws {
        // A tail with several outputs: each target gets only its output's part.
        let parts = producer == nil ? router.map { $0.split(chunk) } : nil
        for index in targets.indices where targets[index].lateOutputOf == producer {
            let target = targets[index]
            var chunk = chunk
            if let parts, let output = target.output {
                chunk = parts[output]
                guard chunk.count > 0 else { continue }
            }
            switch target.routing {
            case .forward:
                try await send(.data(chunk), to: target.channels[instance], producer: target.producer)
            case .roundRobin:
                let next = target.nextRoundRobin
                targets[index].nextRoundRobin = (next + 1) % target.channels.count
                try await send(.data(chunk), to: target.channels[next], producer: target.producer)
            case .partitioned(let partitioner):
                let parts = partitioner.split(chunk, target.channels.count)
                for (channel, part) in zip(target.channels, parts) where part.count > 0 {
                    try await send(.data(part), to: channel, producer: target.producer)
                }
            }
        }
    }

    /// Sends a control event to every consumer instance this instance feeds.
    private func broadcast(_ event: StreamEvent) async throws {
        for target in targets {
            if case .forward = target.routing {
                try await send(event, to: target.channels[instance], producer: target.producer)
            } else {
                for channel in target.channels { try await send(event, to: channel, producer: target.producer) }
            }
        }
    }

    private func finishOutputs() async throws {
        // The whole input is in: stages with an error budget judge it before anything is
        // published.
        for node in chain.nodes {
            let metrics = run.metrics[node.index]
            try await attributed(to: metrics.name) { try metrics.instanceFinished() }
        }
        try await broadcast(.endOfInput)
        if let deadLetterTarget {
            try await deadLetterTarget.channel.send(ChannelMessage(producer: deadLetterTarget.producer, event: .endOfInput))
        }
        // Sinks arrive at the gate themselves, and wait there.
        if run.plan.graph[chain.head].kind != .sink { run.commitGate.arrive() }
    }

    private func deliverDeadLetters(_ letters: [DeadLetter]) async throws {
        guard !letters.isEmpty else { return }
        if let deadLetterTarget {
            try await deadLetterTarget.channel.send(ChannelMessage(producer: deadLetterTarget.producer,
                                                                   event: .data(ErasedChunk(letters))))
        } else {
            run.deadLetterStore.append(letters)
        }
    }
}

import SluiceCore

/// Generates events at a steady rate in processing time, with event times that advance at
/// the same rate but arrive up to `maxDisorder` out of order (reproducibly, from a seed).
/// For load tests and samples of streaming pipelines. Create it with
/// ``Source/events(count:perSecond:maxDisorder:seed:_:)``.
public struct PacedGeneratorSource<Output: Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let count: Int?
    @usableFromInline let perSecond: Double
    @usableFromInline let maxDisorder: Int64
    @usableFromInline let seed: UInt64
    @usableFromInline let make: @Sendable (_ index: Int, _ eventTime: Timestamp) throws -> Output

    @usableFromInline init(count: Int?, perSecond: Double, maxDisorder: Duration, seed: UInt64,
                           make: @escaping @Sendable (Int, Timestamp) throws -> Output) {
        self.count = count
        self.perSecond = perSecond
        self.maxDisorder = max(0, maxDisorder.wholeMilliseconds)
        self.seed = seed
        self.make = make
    }

    /// `events`.
    public var defaultName: String { "events" }
    /// Rate and disorder.
    public var detail: String { "\(perSecond)/s, disorder ≤ \(maxDisorder) ms" }

    /// Starts at the clock's current time; fails for a rate that is not positive.
    @inlinable public func makeReader(_ context: StageContext) throws -> Reader {
        guard perSecond > 0, perSecond.isFinite else { throw RecordError("the event rate must be positive, not \(perSecond)") }
        return Reader(stage: self, clock: context.clock)
    }

    /// The running form of ``PacedGeneratorSource``.
    public struct Reader: SourceReader {
        @usableFromInline let stage: PacedGeneratorSource
        @usableFromInline let clock: any ProcessingClock
        @usableFromInline var startedAt: Timestamp
        @usableFromInline var random: SplitMix64
        @usableFromInline var index = 0

        @usableFromInline init(stage: PacedGeneratorSource, clock: any ProcessingClock) {
            self.stage = stage
            self.clock = clock
            self.startedAt = clock.now
            self.random = SplitMix64(seed: stage.seed)
        }

        /// When event number `index` is due, in processing time (and nominally in event time).
        @inlinable func dueTime(of index: Int) -> Timestamp {
            Timestamp(millisecondsSinceEpoch: startedAt.millisecondsSinceEpoch + Int64((Double(index) * 1000 / stage.perSecond).rounded(.down)))
        }

        /// Emits the events due by now, or waits for the next one.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            if let count = stage.count, index >= count { return false }
            let now = clock.now
            if dueTime(of: index) > now {
                try await clock.sleep(until: dueTime(of: index))
                return true
            }
            var emitted = 0
            while emitted < limit, dueTime(of: index) <= now {
                if let count = stage.count, index >= count { break }
                let jitter = stage.maxDisorder > 0 ? Int64(random.next() % UInt64(stage.maxDisorder + 1)) : 0
                let eventTime = Timestamp(millisecondsSinceEpoch: dueTime(of: index).millisecondsSinceEpoch - jitter)
                do {
                    output.emit(try stage.make(index, eventTime))
                } catch {
                    try output.reject(error, rawInput: "event \(index)", location: SourceLocation(origin: "events", line: index))
                }
                index += 1
                emitted += 1
            }
            return stage.count.map { index < $0 } ?? true
        }
    }
}

/// Where a paced generator is: the next event number, the random state and the start time
/// its schedule counts from.
public struct PacedGeneratorPosition: Codable, Sendable, Equatable {
    /// The next event number.
    public var index: Int
    /// The random generator's state.
    public var random: UInt64
    /// The processing time the schedule started at, in milliseconds since the epoch.
    public var startedAt: Int64
}

extension PacedGeneratorSource.Reader: CheckpointableSourceReader {
    /// The next event number, the random state and the schedule's start.
    public func position() -> PacedGeneratorPosition {
        PacedGeneratorPosition(index: index, random: random.state, startedAt: startedAt.millisecondsSinceEpoch)
    }

    /// Continues the same sequence: events due while the run was down come at once, with
    /// the event times they would have had.
    public mutating func restore(to position: PacedGeneratorPosition) {
        index = position.index
        random = SplitMix64(seed: position.random)
        startedAt = Timestamp(millisecondsSinceEpoch: position.startedAt)
    }
}

import SluiceCore

/// Reads a ``SourceStage`` to its end without a pipeline, through the runtime's erased path.
public enum SourceHarness {
    /// What a source produced.
    public struct Result<Output> {
        /// Elements, in order.
        public var elements: [Output]
        /// Dead letters, in order.
        public var deadLetters: [DeadLetter]
        /// Records skipped under `.skip`.
        public var skipped: Int
        /// Chunks read.
        public var chunks: Int
    }

    /// Reads `source` to the end in chunks of `chunkSize`; the reader is always closed.
    public static func readAll<S: SourceStage>(_ source: S, chunkSize: Int = 1024,
                                               clock: any ProcessingClock = SystemClock()) async throws -> Result<S.Output> {
        let name = source.settings.name ?? source.defaultName
        let instance = try await source.makeErasedSource(StageContext(stageName: name, chunkSize: chunkSize, clock: clock))
        var result = Result<S.Output>(elements: [], deadLetters: [], skipped: 0, chunks: 0)
        do {
            var finished = false
            while !finished {
                let (outcome, done) = try await instance.read(chunkSize)
                finished = done
                result.chunks += 1
                if let output = outcome.output { result.elements.append(contentsOf: output.elements(as: S.Output.self)) }
                result.deadLetters.append(contentsOf: outcome.deadLetters)
                result.skipped += outcome.skipped
            }
        } catch {
            await instance.close()
            throw error
        }
        await instance.close()
        return result
    }

    /// Checks that `source` resumes exactly where a checkpoint left it: for every chunk
    /// boundary, reads up to it, takes the position, restores a fresh reader from it and
    /// reads the rest; the elements and dead letters must equal one uninterrupted read.
    /// Returns a description of the first difference, or `nil`.
    public static func resumptionDifference<S: SourceStage>(_ source: S, chunkSize: Int = 3,
                                                            clock: any ProcessingClock = SystemClock()) async throws -> String?
    where S.Output: Equatable {
        let reference = try await readAll(source, chunkSize: chunkSize, clock: clock)
        let name = source.settings.name ?? source.defaultName
        let context = StageContext(stageName: name, chunkSize: chunkSize, clock: clock)
        for cut in 0...reference.chunks {
            // Each reader stands for a run of its own, with nothing shared with the other.
            var context = context
            context.shared = InstanceSharedState()
            let first = try await source.makeErasedSource(context)
            guard let position = first.position else { return "\(name) is not a CheckpointableSourceReader" }
            var elements: [S.Output] = []
            var deadLetters: [DeadLetter] = []
            var finished = false
            for _ in 0..<cut where !finished {
                let (outcome, done) = try await first.read(chunkSize)
                finished = done
                if let output = outcome.output { elements.append(contentsOf: output.elements(as: S.Output.self)) }
                deadLetters += outcome.deadLetters
            }
            let saved = try position()
            await first.close()
            context.shared = InstanceSharedState()
            let second = try await source.makeErasedSource(context)
            try second.restore!(saved)
            while !finished {
                let (outcome, done) = try await second.read(chunkSize)
                finished = done
                if let output = outcome.output { elements.append(contentsOf: output.elements(as: S.Output.self)) }
                deadLetters += outcome.deadLetters
            }
            await second.close()
            if elements != reference.elements {
                return "resumed after \(cut) chunk(s): \(elements.count) elements, uninterrupted \(reference.elements.count); first difference at \(zip(elements, reference.elements).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(elements.count, reference.elements.count))"
            }
            if deadLetters.map(\.description) != reference.deadLetters.map(\.description) {
                return "resumed after \(cut) chunk(s): dead letters \(deadLetters.map(\.description)), uninterrupted \(reference.deadLetters.map(\.description))"
            }
        }
        return nil
    }
}

/// Drives a ``SinkStage`` without a pipeline.
public struct SinkHarness<S: SinkStage> {
    private let instance: ErasedSink
    /// Dead letters the sink produced.
    public private(set) var deadLetters: [DeadLetter] = []

    /// Opens `sink`.
    public init(_ sink: S) async throws {
        let name = sink.settings.name ?? sink.defaultName
        instance = try await sink.makeErasedSink(StageContext(stageName: name))
    }

    /// Writes one chunk.
    public mutating func write(_ elements: [S.Input]) async throws {
        let outcome = try await instance.write(ErasedChunk(elements))
        deadLetters.append(contentsOf: outcome.deadLetters)
    }

    /// Completes the output, as at the end of a successful run: writes what the sink held
    /// back (its refusals join ``deadLetters``), prepares, and finishes.
    public mutating func finish() async throws {
        let outcome = try await instance.flush()
        deadLetters.append(contentsOf: outcome.deadLetters)
        try await instance.prepareToFinish()
        try await instance.finish()
    }

    /// Discards the output, as when a run fails.
    public func abort() async { await instance.abort() }
}

extension SourceHarness.Result: Sendable where Output: Sendable {}

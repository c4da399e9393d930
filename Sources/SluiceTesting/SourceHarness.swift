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

    /// Completes the output, as at the end of a successful run.
    public func finish() async throws { try await instance.finish() }

    /// Discards the output, as when a run fails.
    public func abort() async { await instance.abort() }
}

extension SourceHarness.Result: Sendable where Output: Sendable {}

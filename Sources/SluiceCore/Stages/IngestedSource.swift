/// Where and when a value was ingested: the file or URL it was read from, its line there
/// (for an API, its position in the page), and the time the source read it on the run's clock.
public struct Ingestion: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The path or URL; the source's stage name for sources that do not know more (memory,
    /// generators).
    public var source: String
    /// The line (or position in a page), when known.
    public var line: Int?
    /// When the source read it.
    public var ingestedAt: Timestamp

    /// Metadata for one value.
    public init(source: String, line: Int? = nil, ingestedAt: Timestamp) {
        self.source = source
        self.line = line
        self.ingestedAt = ingestedAt
    }

    /// `orders.csv:12 at 2026-11-21T10:00:00.000Z`.
    public var description: String { "\(source)\(line.map { ":\($0)" } ?? "") at \(ingestedAt)" }
}

/// A value with its ingestion metadata; what ``SourceStage/withIngestion()`` emits.
public struct Ingested<Value: Sendable>: Sendable {
    /// The value as the source read it.
    public var value: Value
    /// Where and when it was read.
    public var ingestion: Ingestion

    /// Pairs a value with its metadata.
    public init(value: Value, ingestion: Ingestion) {
        self.value = value
        self.ingestion = ingestion
    }
}

extension Ingested: Equatable where Value: Equatable {}
extension Ingested: Hashable where Value: Hashable {}
extension Ingested: Codable where Value: Codable {}

/// A source whose elements come with their ingestion metadata. Create it with
/// ``SourceStage/withIngestion()``.
public struct IngestedSource<Base: SourceStage>: SourceStage {
    /// The base's elements with their metadata.
    public typealias Output = Ingested<Base.Output>
    /// The source that reads the elements.
    public var base: Base

    /// Wraps `base`.
    @inlinable public init(base: Base) { self.base = base }

    /// The base's settings.
    public var settings: StageSettings {
        get { base.settings }
        set { base.settings = newValue }
    }
    /// The base's name.
    public var defaultName: String { base.defaultName }
    /// The base's detail.
    public var detail: String { base.detail.isEmpty ? "with ingestion metadata" : "\(base.detail), with ingestion metadata" }
    /// The base's parallelism limit.
    public var maximumParallelism: Int? { base.maximumParallelism }

    /// Opens the base source.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        Reader(base: try await base.makeReader(context), clock: context.clock, stageName: context.stageName)
    }

    /// The running form of ``IngestedSource``.
    public struct Reader: SourceReader {
        @usableFromInline var base: Base.Reader
        @usableFromInline let clock: any ProcessingClock
        @usableFromInline let stageName: String

        @usableFromInline init(base: Base.Reader, clock: any ProcessingClock, stageName: String) {
            self.base = base
            self.clock = clock
            self.stageName = stageName
        }

        /// Reads from the base and pairs each element with where and when it was read.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var inner = Emitter<Base.Output>(failures: output.failures, capacity: min(limit, 4_096))
            inner.origins = []
            inner.origins!.reserveCapacity(min(limit, 4_096))
            // The failures go back to the caller whatever happens, so none is lost on a throw.
            defer { output.failures = inner.failures }
            let more = try await base.read(into: &inner, limit: limit)
            let now = clock.now
            // A source that emitted some elements without an origin cannot be trusted to line up.
            let origins = inner.origins?.count == inner.elements.count ? inner.origins : nil
            for (index, element) in inner.elements.enumerated() {
                let origin = origins?[index]
                output.emit(Ingested(value: element, ingestion: Ingestion(source: origin?.origin ?? stageName, line: origin?.line, ingestedAt: now)))
            }
            return more
        }

        /// Closes the base.
        public mutating func close() async { await base.close() }
    }
}

extension IngestedSource.Reader: CheckpointableSourceReader where Base.Reader: CheckpointableSourceReader {
    /// The base's position.
    public func position() throws -> Base.Reader.Position { try base.position() }

    /// Restores the base.
    public mutating func restore(to position: Base.Reader.Position) throws { try base.restore(to: position) }
}

extension SourceStage {
    /// Pairs every element with where and when it was read — its file and line (for an API,
    /// its URL and position in the page) and the ingestion time — as ``Ingested`` values.
    ///
    /// ```swift
    /// Source.csv("exports/orders-*.csv", as: Order.self).withIngestion()   // → Ingested<Order>
    /// ```
    @inlinable public func withIngestion() -> IngestedSource<Self> { IngestedSource(base: self) }
}

extension EventTimeSource {
    /// Ingestion metadata wraps the elements, so it must come before event time, which reads
    /// them: `source.withIngestion().eventTime(…) { $0.value.time }`.
    @available(*, unavailable, message: "call withIngestion() before eventTime(maxOutOfOrderness:_:)")
    public func withIngestion() -> IngestedSource<Self> { IngestedSource(base: self) }
}

extension IngestedSource.Reader: RedistributableSourceReader where Base.Reader: RedistributableSourceReader {
    /// The base's: continues from every instance's position.
    public mutating func restore(toAll positions: [Base.Reader.Position]) throws { try base.restore(toAll: positions) }
}

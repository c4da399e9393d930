/// A source whose elements carry event time: the runtime emits watermarks after each chunk it
/// reads, trailing the newest event time by the strategy's bound, and a final watermark at
/// +infinity when the source ends. Create it with ``SourceStage/eventTime(maxOutOfOrderness:_:)``.
public struct EventTimeSource<Base: SourceStage>: SourceStage {
    /// The base source's elements.
    public typealias Output = Base.Output
    /// The source that reads the elements.
    public var base: Base
    /// How watermarks follow event time.
    public let strategy: WatermarkStrategy<Base.Output>

    /// Wraps `base`.
    @inlinable public init(base: Base, strategy: WatermarkStrategy<Base.Output>) {
        self.base = base
        self.strategy = strategy
    }

    /// The base's limit.
    public var maximumParallelism: Int? { base.maximumParallelism }
    /// The base's settings.
    public var settings: StageSettings {
        get { base.settings }
        set { base.settings = newValue }
    }
    /// The base's name.
    public var defaultName: String { base.defaultName }
    /// The base's detail and the watermark bound.
    public var detail: String {
        let bound = "watermark −\(strategy.maxOutOfOrdernessMilliseconds) ms"
        return base.detail.isEmpty ? bound : "\(base.detail), \(bound)"
    }
    /// The strategy's generator.
    public var watermarkGenerator: WatermarkGenerator? { strategy.generator }

    /// Opens the base source.
    @inlinable public func makeReader(_ context: StageContext) async throws -> Base.Reader {
        try await base.makeReader(context)
    }
}

extension SourceStage {
    /// Gives the source's elements event time, with watermarks trailing the newest event time
    /// seen by `maxOutOfOrderness`.
    ///
    /// ```swift
    /// Source.csv("readings.csv", as: Reading.self)
    ///     .eventTime(maxOutOfOrderness: .seconds(2)) { Timestamp($0.measuredAt) }
    /// ```
    @inlinable public func eventTime(maxOutOfOrderness: Duration,
                                     _ eventTime: @escaping @Sendable (Output) -> Timestamp) -> EventTimeSource<Self> {
        EventTimeSource(base: self, strategy: WatermarkStrategy(maxOutOfOrderness: maxOutOfOrderness, eventTime: eventTime))
    }
}

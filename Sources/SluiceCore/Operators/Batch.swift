/// Groups elements into arrays: a batch is emitted when it holds `maxCount` elements, when
/// its elements' sizes add up to `maxBytes`, or when its first element has waited `maxDelay`
/// of processing time, whichever comes first; the last, partial batch is emitted at the end of
/// input. For writing to APIs and databases in bulk (micro-batching).
///
/// ```swift
/// Batch(maxCount: 500, maxDelay: .seconds(1))                           // [Order]
/// Batch(maxCount: 10_000, maxBytes: 1 << 20, size: { $0.payload.utf8.count })
/// ```
///
/// The age of a batch is measured in ticks of the run's processing-time clock
/// (``RunOptions/tickInterval``), so a batch may wait up to one tick longer than `maxDelay`.
public struct Batch<Element: Sendable>: TransformStage {
    /// Elements in.
    public typealias Input = Element
    /// Batches out.
    public typealias Output = [Element]

    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let maxCount: Int
    @usableFromInline let maxBytes: Int?
    @usableFromInline let size: (@Sendable (Element) -> Int)?
    @usableFromInline let maxDelay: Int64?

    /// Batches of at most `maxCount` elements, `maxBytes` by `size`, and `maxDelay` of waiting.
    @inlinable public init(maxCount: Int, maxBytes: Int? = nil, size: (@Sendable (Element) -> Int)? = nil,
                           maxDelay: Duration? = nil) {
        self.maxCount = maxCount
        self.maxBytes = maxBytes
        self.size = size
        self.maxDelay = maxDelay.map(WindowAssigner.milliseconds)
    }

    /// `batch`.
    public var defaultName: String { "batch" }
    /// The limits.
    public var detail: String {
        var limits = ["\(maxCount) elements"]
        if let maxBytes { limits.append("\(maxBytes) bytes") }
        if let maxDelay { limits.append("\(maxDelay) ms") }
        return limits.joined(separator: ", ")
    }
    /// Needed to flush batches by age.
    public var needsProcessingTime: Bool { maxDelay != nil }

    /// Creates an instance; inconsistent limits fail here, naming them.
    @inlinable public func makeOperator(_ context: StageContext) throws -> Operator {
        guard maxCount > 0 else { throw RecordError("a batch needs a maximum count of at least 1, not \(maxCount)") }
        if maxBytes != nil, size == nil { throw RecordError("a batch with a byte limit needs a size function") }
        return Operator(stage: self)
    }

    /// The running form of ``Batch``.
    public struct Operator: TransformOperator {
        @usableFromInline let stage: Batch
        @usableFromInline var buffer: [Element] = []
        @usableFromInline var bytes = 0
        @usableFromInline var now = Timestamp.min
        @usableFromInline var openedAt = Timestamp.min

        @inlinable init(stage: Batch) { self.stage = stage }

        @inlinable mutating func flush(into output: inout Emitter<[Element]>) {
            guard !buffer.isEmpty else { return }
            output.emit(buffer)
            buffer.removeAll(keepingCapacity: true)
            bytes = 0
        }

        /// Adds an element; emits the batch once a limit is reached.
        @inlinable public mutating func process(_ element: Element, into output: inout Emitter<[Element]>) {
            if buffer.isEmpty { openedAt = now }
            buffer.append(element)
            if let size = stage.size { bytes += size(element) }
            if buffer.count >= stage.maxCount || (stage.maxBytes.map { bytes >= $0 } ?? false) {
                flush(into: &output)
            }
        }

        /// Emits the batch if its first element has waited long enough.
        @inlinable public mutating func onProcessingTime(_ now: Timestamp, into output: inout Emitter<[Element]>) {
            if self.now == .min, !buffer.isEmpty { openedAt = now }   // elements came before the first tick
            self.now = now
            if let maxDelay = stage.maxDelay, !buffer.isEmpty,
               now.millisecondsSinceEpoch - openedAt.millisecondsSinceEpoch >= maxDelay {
                flush(into: &output)
            }
        }

        /// Emits the last, partial batch.
        @inlinable public mutating func finish(into output: inout Emitter<[Element]>) {
            flush(into: &output)
        }
    }
}

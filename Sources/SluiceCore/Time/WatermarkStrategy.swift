import Foundation

/// How a source derives watermarks from the event times of its elements.
///
/// With bounded out-of-orderness `b`, after seeing events up to time `t` the source promises
/// that nothing earlier than `t − b` follows: the watermark is `t − b`. Elements that still
/// arrive earlier are late; what happens to them is up to the stages that use event time.
///
/// ```swift
/// Source.jsonLines("events.jsonl", as: Event.self)
///     .eventTime(maxOutOfOrderness: .seconds(5)) { Timestamp(millisecondsSinceEpoch: $0.ts) }
/// ```
public struct WatermarkStrategy<Element: Sendable>: Sendable {
    /// The event time of an element.
    public let eventTime: @Sendable (Element) -> Timestamp
    /// How far behind the newest event time an element may still arrive, in milliseconds.
    public let maxOutOfOrdernessMilliseconds: Int64

    /// Watermarks trailing the newest event time seen by `maxOutOfOrderness`.
    public init(maxOutOfOrderness: Duration, eventTime: @escaping @Sendable (Element) -> Timestamp) {
        self.maxOutOfOrdernessMilliseconds = max(0, maxOutOfOrderness.wholeMilliseconds)
        self.eventTime = eventTime
    }

    /// The type-erased form the runtime applies to chunks.
    @inlinable public var generator: WatermarkGenerator {
        let eventTime = eventTime
        return WatermarkGenerator(maxOutOfOrdernessMilliseconds: maxOutOfOrdernessMilliseconds, newestEventTime: { chunk in
            var newest = Timestamp.min
            for element in chunk.elements(as: Element.self) {
                let time = eventTime(element)
                if time > newest { newest = time }
            }
            return newest
        }, eventTimes: { chunk in chunk.elements(as: Element.self).map(eventTime) })
    }
}

/// Finds the newest event time in a chunk, for the runtime.
public struct WatermarkGenerator: Sendable {
    /// The bound subtracted from the newest event time.
    public let maxOutOfOrdernessMilliseconds: Int64
    /// The newest event time in a chunk (`Timestamp.min` when empty).
    public let newestEventTime: @Sendable (ErasedChunk) -> Timestamp
    /// The event time of each element of a chunk, in order: for sources that read several
    /// partitions (``PartitionedSourceReader``).
    public let eventTimes: @Sendable (ErasedChunk) -> [Timestamp]

    /// Creates a generator; `eventTimes` defaults to one timestamp per element, the chunk's
    /// newest.
    public init(maxOutOfOrdernessMilliseconds: Int64, newestEventTime: @escaping @Sendable (ErasedChunk) -> Timestamp,
                eventTimes: (@Sendable (ErasedChunk) -> [Timestamp])? = nil) {
        self.maxOutOfOrdernessMilliseconds = maxOutOfOrdernessMilliseconds
        self.newestEventTime = newestEventTime
        self.eventTimes = eventTimes ?? { chunk in Array(repeating: newestEventTime(chunk), count: chunk.count) }
    }

    /// The watermark once events up to `newest` have been seen.
    public func watermark(afterNewest newest: Timestamp) -> Timestamp {
        Self.watermark(afterNewest: newest, boundMilliseconds: maxOutOfOrdernessMilliseconds)
    }

    /// The watermark once events up to `newest` have been seen, with a bound of
    /// `boundMilliseconds`: `Timestamp.min` before any event, never wrapping around.
    public static func watermark(afterNewest newest: Timestamp, boundMilliseconds: Int64) -> Timestamp {
        guard newest > .min else { return .min }
        let (value, overflow) = newest.millisecondsSinceEpoch.subtractingReportingOverflow(boundMilliseconds)
        return Timestamp(millisecondsSinceEpoch: overflow ? .min : value)
    }
}

extension Timestamp {
    /// The timestamp of `date`, to the millisecond (rounded down).
    public init(_ date: Date) {
        self.init(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

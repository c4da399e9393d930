/// Elements a stage received too late to change any result, such as events behind a
/// window's allowed lateness, on their way to the stage's late-event side output.
///
/// A stage hands each such element to ``Emitter/emitLate(_:reason:)``. When the pipeline
/// routes the stage's late events somewhere (see `lateEvents(to:)` on a keyed window), they go
/// there as typed elements; otherwise each becomes a ``DeadLetter`` carrying the reason.
/// Either way they are counted in the run report and never dropped.
public struct LateEvents {
    /// Whether the pipeline routes this stage's late events to a side output.
    public let isRouted: Bool
    /// Late elements since the last take.
    public var count: Int { total }
    @usableFromInline var total = 0
    @usableFromInline var elements: [any Sendable] = []
    @usableFromInline var makeChunk: (([any Sendable]) -> ErasedChunk)?

    /// An empty collection; `isRouted` comes from ``StageContext/routesLateEvents``.
    @inlinable public init(isRouted: Bool) { self.isRouted = isRouted }

    /// Keeps `element` for the side output, or dead-letters it with `reason` when the stage
    /// has no late-event route.
    @inlinable public mutating func add<Element: Sendable>(_ element: Element, reason: () -> String,
                                                           failures: inout RecordFailures) {
        total += 1
        guard isRouted else {
            failures.divert(reason(), rawInput: String(describing: element))
            return
        }
        // Late elements are rare, so boxing them costs nothing that matters; the chunk the
        // side output receives is typed again.
        if makeChunk == nil { makeChunk = { ErasedChunk($0.map { $0 as! Element }) } }
        elements.append(element)
    }

    /// Removes the late elements kept so far, as one chunk, and how many there were in all
    /// (routed or dead-lettered).
    @inlinable public mutating func take() -> (chunk: ErasedChunk?, count: Int) {
        defer {
            total = 0
            elements.removeAll()
        }
        guard !elements.isEmpty, let makeChunk else { return (nil, total) }
        return (makeChunk(elements), total)
    }
}

/// Collects what a stage produces from one call: elements, and rejected records.
///
/// Stages call ``emit(_:)`` for each output element and ``reject(_:rawInput:location:)`` for a
/// record they cannot handle; the stage's ``ErrorPolicy`` decides what a rejection does.
public struct Emitter<Output: Sendable> {
    /// Elements emitted so far.
    public var elements: [Output]
    /// Rejected records so far.
    public var failures: RecordFailures
    /// Elements that came too late, for the stage's late-event side output.
    public var late: LateEvents
    /// Where each emitted element was read, parallel to ``elements``, when a wrapper asked
    /// for it (``SourceStage/withIngestion()``); `nil` otherwise, and then not collected.
    public var origins: [SourceLocation]?

    /// An empty emitter for a stage with the given failure handling; `routesLateEvents` says
    /// whether late elements go to a side output or become dead letters.
    @inlinable public init(failures: RecordFailures, capacity: Int = 0, routesLateEvents: Bool = false) {
        self.failures = failures
        self.late = LateEvents(isRouted: routesLateEvents)
        self.elements = []
        self.origins = nil
        if capacity > 0 { elements.reserveCapacity(capacity) }
    }

    /// Emits one element downstream.
    @inlinable public mutating func emit(_ element: Output) {
        elements.append(element)
    }

    /// Emits one element read at `origin` (a file and line, a URL and position): sources that
    /// know where each element came from use this. A ``Record`` keeps it as its
    /// ``Record/origin``, and ``SourceStage/withIngestion()`` attaches it to any element. The
    /// origin is only built when one of them needs it.
    @inlinable public mutating func emit(_ element: Output, from origin: @autoclosure () -> SourceLocation) {
        guard Output.self == Record.self || origins != nil else {
            elements.append(element)
            return
        }
        let location = origin()
        elements.append(Record.located(element, at: location))
        origins?.append(location)
    }

    /// Emits an array of elements downstream, in order, without copying when nothing was
    /// emitted before.
    @inlinable public mutating func emit(contentsOf elements: [Output]) {
        if self.elements.isEmpty {
            self.elements = elements
        } else {
            self.elements.append(contentsOf: elements)
        }
    }

    /// Emits several elements downstream, in order.
    @inlinable public mutating func emit<S: Sequence>(contentsOf elements: S) where S.Element == Output {
        self.elements.append(contentsOf: elements)
    }

    /// Hands an element that arrived too late to change any result to the stage's late-event
    /// side output, or, when the pipeline routes none, keeps it as a dead letter with `reason`.
    @inlinable public mutating func emitLate<Element: Sendable>(_ element: Element, reason: @autoclosure () -> String) {
        late.add(element, reason: reason, failures: &failures)
    }

    /// Hands a bad record to the error policy: throws under `.fail`, otherwise counts it or
    /// keeps it as a dead letter.
    @inlinable public mutating func reject(_ error: any Error, rawInput: @autoclosure () -> String,
                                           location: SourceLocation? = nil) throws {
        try failures.reject(error, rawInput: rawInput(), location: location)
    }

    /// Removes and returns the elements emitted so far.
    @inlinable public mutating func takeElements(reservingCapacity capacity: Int = 0) -> [Output] {
        var taken: [Output] = []
        if capacity > 0 { taken.reserveCapacity(capacity) }
        swap(&taken, &elements)
        return taken
    }
}

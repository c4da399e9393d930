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
    /// The lineage of the chunk being processed, so that what is emitted and rejected can be
    /// traced to the source records (see ``Lineage``); set by the runtime.
    @inlinable public var inputLineage: Lineage? { chunkLineage }
    @usableFromInline var chunkLineage: Lineage?
    /// The position in the chunk being processed of the element being processed; -1 when not
    /// known. The runtime's loops set it; a stage that processes whole chunks itself may.
    public var inputIndex = -1
    /// For each element emitted while the input has lineage, the input element it came from.
    @usableFromInline var producedFrom: [Int32] = []
    /// For sources: where each emitted element was read.
    @usableFromInline var sourceLines: SourceLinesBuilder?
    /// Whether and how emitted elements are traced.
    @usableFromInline var lineageMode = LineageMode.none

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
        if lineageMode != .none { noteOrigin(raw: nil, origin: nil, line: 0) }
    }

    /// Records where the element just emitted came from.
    @inlinable mutating func noteOrigin(raw: UnsafeRawBufferPointer?, origin: String?, line: Int) {
        if lineageMode == .fromInput {
            producedFrom.append(Int32(truncatingIfNeeded: inputIndex))
        } else if let origin {
            sourceLines?.append(origin: origin, line: line, raw: raw)
        } else {
            sourceLines?.appendUnknown()
        }
    }

    /// Starts processing a chunk with `lineage`: what is emitted until ``endChunk()`` is traced
    /// to its elements through ``inputIndex``.
    @inlinable public mutating func beginChunk(lineage: Lineage?) {
        chunkLineage = lineage
        inputIndex = -1
        if lineageMode != .fromSource { lineageMode = lineage == nil ? .none : .fromInput }
    }

    /// Ends the chunk begun with ``beginChunk(lineage:)``.
    @inlinable public mutating func endChunk() {
        chunkLineage = nil
        inputIndex = -1
        if lineageMode == .fromInput { lineageMode = .none }
    }

    /// Makes a source's emitter collect where each element was read (its ``SourceLines``),
    /// which ``emit(_:from:raw:)`` supplies.
    @inlinable public mutating func collectSourceLines() {
        sourceLines = SourceLinesBuilder()
        lineageMode = .fromSource
    }

    /// Emits one element read at `origin`, from the bytes `raw`: a source that keeps them
    /// lets any later stage that rejects the element keep its original input and location.
    @inlinable public mutating func emit(_ element: Output, from origin: @autoclosure () -> SourceLocation, raw: UnsafeRawBufferPointer) {
        emit(element, from: origin, raw: lineageMode == .fromSource ? raw : nil)
    }

    /// Emits one element read at `origin` (a file and line, a URL and position): sources that
    /// know where each element came from use this. A ``Record`` keeps it as its
    /// ``Record/origin``, and ``SourceStage/withIngestion()`` attaches it to any element. The
    /// origin is only built when one of them needs it.
    @inlinable public mutating func emit(_ element: Output, from origin: @autoclosure () -> SourceLocation) {
        emit(element, from: origin, raw: nil)
    }

    /// Both forms above: the location is built only when a record, an ingestion wrapper or
    /// lineage needs it.
    @inlinable mutating func emit(_ element: Output, from origin: () -> SourceLocation, raw: UnsafeRawBufferPointer?) {
        guard Output.self == Record.self || origins != nil || lineageMode != .none else {
            elements.append(element)
            return
        }
        let location = origin()
        if Output.self == Record.self || origins != nil {
            elements.append(Record.located(element, at: location))
            origins?.append(location)
        } else {
            elements.append(element)
        }
        if lineageMode != .none { noteOrigin(raw: raw, origin: location.origin, line: location.line ?? 0) }
    }

    /// Emits an array of elements downstream, in order, without copying when nothing was
    /// emitted before.
    @inlinable public mutating func emit(contentsOf elements: [Output]) {
        if lineageMode != .none { for _ in elements { noteOrigin(raw: nil, origin: nil, line: 0) } }
        if self.elements.isEmpty {
            self.elements = elements
        } else {
            self.elements.append(contentsOf: elements)
        }
    }

    /// Emits `elements`, made from the input elements at `inputs` (positions in the chunk
    /// being processed), in order.
    @inlinable public mutating func emit(contentsOf elements: [Output], fromInputs inputs: [Int32]) {
        if lineageMode == .fromInput {
            producedFrom.append(contentsOf: inputs)
        } else if lineageMode == .fromSource {
            for _ in elements { sourceLines?.appendUnknown() }
        }
        if self.elements.isEmpty {
            self.elements = elements
        } else {
            self.elements.append(contentsOf: elements)
        }
    }

    /// Emits several elements downstream, in order.
    @inlinable public mutating func emit<S: Sequence>(contentsOf elements: S) where S.Element == Output {
        guard lineageMode == .none else {
            for element in elements { emit(element) }
            return
        }
        self.elements.append(contentsOf: elements)
    }

    /// Hands an element that arrived too late to change any result to the stage's late-event
    /// side output, or, when the pipeline routes none, keeps it as a dead letter with `reason`.
    @inlinable public mutating func emitLate<Element: Sendable>(_ element: Element, reason: @autoclosure () -> String) {
        late.add(element, reason: reason, failures: &failures)
    }

    /// Hands a bad record to the error policy: throws under `.fail`, otherwise counts it or
    /// keeps it as a dead letter.
    /// When the element being processed can be traced to a source record, the dead letter
    /// keeps that record's raw input and file and line instead.
    @inlinable public mutating func reject(_ error: any Error, rawInput: @autoclosure () -> String,
                                           location: SourceLocation? = nil) throws {
        guard let lineage = inputLineage, inputIndex >= 0, let entry = lineage.entry(of: inputIndex),
              let origin = lineage.lines.location(entry) else {
            try failures.reject(error, rawInput: rawInput(), location: location)
            return
        }
        // A location the stage knows (a field) is kept; the file and line come from the source.
        var traced = location ?? (error as? RecordError)?.location ?? origin
        if traced.line == nil || traced.origin != origin.origin {
            traced.origin = origin.origin
            traced.line = origin.line
        }
        try failures.reject(error, rawInput: lineage.lines.rawText(entry) ?? rawInput(), location: traced)
    }

    /// Removes and returns the elements emitted so far.
    @inlinable public mutating func takeElements(reservingCapacity capacity: Int = 0) -> [Output] {
        var taken: [Output] = []
        if capacity > 0 { taken.reserveCapacity(capacity) }
        swap(&taken, &elements)
        return taken
    }
}

/// How an ``Emitter`` traces what it emits to source records.
@usableFromInline enum LineageMode: UInt8, Sendable {
    /// Not at all: the input has no lineage.
    case none
    /// To the elements of the input chunk, whose lineage it carries on.
    case fromInput
    /// To the records a source read (its ``SourceLines``).
    case fromSource
}

import SluiceCore

/// Checks every record against declarative rules: a record that passes them all goes on; one
/// that fails any goes to the error policy — by default a dead letter whose error lists
/// every rule it failed and why. Counts go to a ``DataQualityReport`` per rule and source.
///
/// ```swift
/// let quality = DataQualityReport()
/// Pipeline("customers") {
///     Source.csv("customers.csv", as: Customer.self)
///     Validate(rules, source: { $0.origin }, report: quality)
///     Sink.jsonLines("valid.jsonl", of: Customer.self)
/// }.deadLetters(to: Sink.jsonLines("invalid.jsonl", of: DeadLetter.self))
/// print(quality)
/// ```
public struct Validate<Element: Sendable>: TransformStage {
    /// Records in.
    public typealias Input = Element
    /// Valid records out.
    public typealias Output = Element
    /// Settings changed by modifiers; dead-lettering by default.
    public var settings: StageSettings
    @usableFromInline let rules: [ValidationRule<Element>]
    @usableFromInline let source: @Sendable (Element) -> String
    @usableFromInline let report: DataQualityReport?
    @usableFromInline let location: (@Sendable (Element) -> SourceLocation?)?

    /// Validates with `rules`; `source` names where a record came from, for the report, and
    /// `location` where it was read (file and line), for its dead letter — a ``Record`` read
    /// from a file carries that itself.
    public init(_ rules: [ValidationRule<Element>], source: @escaping @Sendable (Element) -> String = { _ in "all" },
                location: (@Sendable (Element) -> SourceLocation?)? = nil, report: DataQualityReport? = nil) {
        self.rules = rules
        self.source = source
        self.location = location
        self.report = report
        settings = StageSettings()
        settings.errorPolicy = .deadLetter
    }

    /// `validate`.
    public var defaultName: String { "validate" }
    /// The rules' names.
    public var detail: String { rules.map(\.name).joined(separator: ", ") }
    /// Keeps no state between records.
    public var isStateless: Bool { true }

    /// Creates an instance.
    public func makeOperator(_ context: StageContext) -> Operator { Operator(stage: self) }

    /// The running form of ``Validate``.
    public struct Operator: TransformOperator {
        let stage: Validate

        /// Checks a chunk; the quality report is updated once for the whole chunk.
        public mutating func process(chunk: [Element], into output: inout Emitter<Element>) throws {
            var tally: [String: [String: DataQualityReport.Counts]] = [:]
            defer { stage.report?.add(tally) }
            for (index, element) in chunk.enumerated() {
                output.inputIndex = index
                try check(element, tally: &tally, into: &output)
            }
            output.inputIndex = -1
        }

        /// Checks one record.
        public mutating func process(_ element: Element, into output: inout Emitter<Element>) throws {
            var tally: [String: [String: DataQualityReport.Counts]] = [:]
            defer { stage.report?.add(tally) }
            try check(element, tally: &tally, into: &output)
        }

        /// Passes `element` on when every rule holds; otherwise hands it to the error policy
        /// with every failed rule.
        func check(_ element: Element, tally: inout [String: [String: DataQualityReport.Counts]],
                   into output: inout Emitter<Element>) throws {
            var failures: [String] = []
            let origin = stage.report == nil ? "" : stage.source(element)
            for rule in stage.rules {
                let reason = rule.check(element)
                if stage.report != nil {
                    if reason == nil { tally[rule.name, default: [:]][origin, default: .init()].passed += 1 }
                    else { tally[rule.name, default: [:]][origin, default: .init()].failed += 1 }
                }
                if let reason { failures.append("\(rule.name): \(reason)") }
            }
            guard failures.isEmpty else {
                let summary = failures.count == 1 ? "failed rule " : "failed \(failures.count) rules: "
                try output.reject(RecordError(summary + failures.joined(separator: "; "), at: stage.location?(element) ?? Record.origin(of: element)),
                                  rawInput: String(describing: element))
                return
            }
            output.emit(element)
        }
    }
}

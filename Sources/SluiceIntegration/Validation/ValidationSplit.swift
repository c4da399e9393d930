import SluiceCore

/// An element that failed validation, with every rule it failed and why.
public struct Invalid<Element: Sendable>: Sendable {
    /// The element as it was.
    public var element: Element
    /// "rule: reason" for each rule it failed, in the rules' order.
    public var failures: [String]

    /// An element and its failures.
    public init(element: Element, failures: [String]) {
        self.element = element
        self.failures = failures
    }
}

extension Invalid: Equatable where Element: Equatable {}
extension Invalid: Hashable where Element: Hashable {}
extension Invalid: Codable where Element: Codable {}

extension DataStream {
    /// Checks every element against `rules`, as ``Validate`` does, and splits the stream: the
    /// elements that pass every rule, and those that fail any, each with all its failures — a
    /// stream of their own to repair, report or store, not dead letters.
    ///
    /// ```swift
    /// let (valid, invalid) = customers.validate(rules, report: quality)
    /// valid.write(to: Sink.jsonLines("valid.jsonl"))
    /// invalid.write(to: Sink.jsonLines("to-review.jsonl"))
    /// ```
    public func validate(_ rules: [ValidationRule<Element>], source: @escaping @Sendable (Element) -> String = { _ in "all" },
                         report: DataQualityReport? = nil) -> (valid: DataStream<Element>, invalid: DataStream<Invalid<Element>>) {
        let (valid, invalid) = split(("valid", "invalid"), named: "validate") { element -> Route2<Element, Invalid<Element>> in
            var failures: [String] = []
            var tally: [String: [String: DataQualityReport.Counts]] = [:]
            let origin = report == nil ? "" : source(element)
            for rule in rules {
                let reason = rule.check(element)
                if report != nil {
                    if reason == nil { tally[rule.name, default: [:]][origin, default: .init()].passed += 1 }
                    else { tally[rule.name, default: [:]][origin, default: .init()].failed += 1 }
                }
                if let reason { failures.append("\(rule.name): \(reason)") }
            }
            report?.add(tally)
            return failures.isEmpty ? .first(element) : .second(Invalid(element: element, failures: failures))
        }
        return (valid, invalid)
    }
}

extension DataStream {
    /// The stream through ``Validate``: elements that fail any of `rules` go to its error
    /// policy (dead letters by default), each naming every rule it failed.
    ///
    /// ```swift
    /// let valid = orders.validated(by: [.range("amount", 1...10_000) { $0.amount }])
    /// ```
    public func validated(by rules: [ValidationRule<Element>], source: @escaping @Sendable (Element) -> String = { _ in "all" },
                          report: DataQualityReport? = nil) -> DataStream<Element> {
        through { Validate(rules, source: source, report: report) }
    }
}

import SluiceCore

/// Entity resolution over a bounded input as a pipeline stage: collects every record, and at
/// the end of input deduplicates them with the matcher (training included) and emits each
/// record with its entity and best match, in record-id order: the same records give the same
/// output whatever order they arrive in. For unbounded input use ``ResolveEntities``.
///
/// ```swift
/// Pipeline("customers") {
///     Source.csv("customers.csv", as: Customer.self)
///     MatchEntities(matcher, id: { $0.id })          // → EntityAssignment<Customer>
///     Sink.jsonLines("entities.jsonl", of: Tagged.self)
/// }
/// ```
public struct MatchEntities<Element: Sendable>: TransformStage {
    /// Records in.
    public typealias Input = Element
    /// Each record with its entity.
    public typealias Output = EntityAssignment<Element>
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let matcher: Matcher<Element>
    let id: @Sendable (Element) -> String

    /// Deduplicates with `matcher`; `id` names each record.
    public init(_ matcher: Matcher<Element>, id: @escaping @Sendable (Element) -> String) {
        self.matcher = matcher
        self.id = id
    }

    /// `matchEntities`.
    public var defaultName: String { "matchEntities" }
    /// One instance sees every record.
    public var maximumParallelism: Int? { 1 }

    /// Creates an instance.
    public func makeOperator(_ context: StageContext) -> Operator { Operator(stage: self) }

    /// The running form of ``MatchEntities``.
    public struct Operator: TransformOperator {
        let stage: MatchEntities
        var records: [Element] = []

        /// Keeps the record for the end of input.
        public mutating func process(_ element: Element, into output: inout Emitter<EntityAssignment<Element>>) {
            records.append(element)
        }

        /// Resolves everything and emits one assignment per record, in record-id order.
        public mutating func finish(into output: inout Emitter<EntityAssignment<Element>>) {
            guard !records.isEmpty else { return }
            // Training samples pairs by position: sorting first makes the model, and so every
            // probability, independent of the order in which merged inputs arrived.
            let ids = records.map(stage.id)
            let order = records.indices.sorted { (ids[$0], $0) < (ids[$1], $1) }
            records = order.map { records[$0] }
            let result = stage.matcher.deduplicate(records, id: stage.id)
            var best: [Int: (partner: Int, probability: Double)] = [:]
            for pair in result.matches {
                for (me, other) in [(pair.left, pair.right), (pair.right, pair.left)] where pair.probability > (best[me]?.probability ?? -1) {
                    best[me] = (other, pair.probability)
                }
            }
            for (position, element) in records.enumerated() {
                output.emit(EntityAssignment(element: element, recordID: result.ids[position], entity: result.clusterOf[position],
                                             matchedRecordID: best[position].map { result.ids[$0.partner] },
                                             probability: best[position]?.probability))
            }
            records = []
        }
    }
}

extension MatchEntities.Operator: CheckpointableOperator where Element: Codable {
    /// The records collected so far.
    public func snapshot() -> [Element] { records }

    /// Takes back the records every previous instance had collected.
    public mutating func restore(from snapshots: [[Element]], scope: RestoreScope) { records = Array(snapshots.joined()) }
}

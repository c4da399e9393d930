import SluiceCore

/// Entity resolution in a stream: each record is matched against the records seen so far
/// and tagged with its entity (see ``IncrementalResolver``). The records seen and their
/// entities are the stage's state; they survive restarts through checkpoints.
///
/// ```swift
/// let history = matcher.deduplicate(knownCustomers, id: { $0.id })
/// var resolver = IncrementalResolver(matcher: matcher, trainedOn: history, id: { $0.id })
/// resolver.seed(knownCustomers, entities: history.clusterOf)
/// Pipeline("new customers") {
///     Source.followJSONLines("signups.jsonl", as: Customer.self)
///     ResolveEntities(resolver)                 // → EntityAssignment<Customer>
///     Sink.jsonLines("assignments.jsonl", of: Assigned.self)
/// }
/// ```
public struct ResolveEntities<Element: Sendable>: TransformStage {
    /// Records in.
    public typealias Input = Element
    /// Each record with its entity.
    public typealias Output = EntityAssignment<Element>
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let resolver: IncrementalResolver<Element>

    /// Resolves with `resolver` (its seeded records included).
    public init(_ resolver: IncrementalResolver<Element>) { self.resolver = resolver }

    /// `resolveEntities`.
    public var defaultName: String { "resolveEntities" }
    /// One instance sees every record.
    public var maximumParallelism: Int? { 1 }

    /// Creates an instance.
    public func makeOperator(_ context: StageContext) -> Operator { Operator(initial: resolver, resolver: resolver) }

    /// The running form of ``ResolveEntities``.
    public struct Operator: TransformOperator {
        let initial: IncrementalResolver<Element>
        var resolver: IncrementalResolver<Element>

        /// Resolves one record.
        public mutating func process(_ element: Element, into output: inout Emitter<EntityAssignment<Element>>) {
            output.emit(resolver.resolve(element))
        }
    }
}

/// A record the resolver had seen, as a checkpoint keeps it.
public struct ResolvedRecord<Element: Codable>: Codable {
    /// The record.
    public var element: Element
    /// Its entity.
    public var entity: String
}

extension ResolveEntities.Operator: CheckpointableOperator where Element: Codable {
    /// The records seen since the start (seeded ones come from the stage itself), with their
    /// entities.
    public func snapshot() -> [ResolvedRecord<Element>] {
        resolver.records.dropFirst(initial.records.count).map { ResolvedRecord(element: $0.element, entity: $0.entity) }
    }

    /// Starts again from the seeded records plus those the checkpoint had seen.
    public mutating func restore(from snapshots: [[ResolvedRecord<Element>]], scope: RestoreScope) {
        resolver = initial
        let seen = snapshots.joined()
        resolver.seed(seen.map(\.element), entities: seen.map(\.entity))
    }
}

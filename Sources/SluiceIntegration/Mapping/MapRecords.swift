import SluiceCore

/// Maps schema-less records with a ``FieldMapping`` and decodes them into `Output`: a
/// record that cannot be mapped or decoded goes to the error policy, with the field and the
/// reason.
///
/// ```swift
/// Pipeline("customers") {
///     Merge {
///         Source.csv("shop-a.csv")
///         Source.jsonLines("shop-b.jsonl")
///     }
///     MapRecords(customers, as: Customer.self).onError(.deadLetter)
///     Sink.jsonLines("customers.jsonl", of: Customer.self)
/// }
/// ```
public struct MapRecords<Output: Decodable & Sendable>: TransformStage {
    /// Schema-less records in.
    public typealias Input = Record
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let mapping: FieldMapping

    /// Maps with `mapping`, then decodes into `type` (``Record`` to keep records).
    public init(_ mapping: FieldMapping, as type: Output.Type) { self.mapping = mapping }

    /// `mapRecords`.
    public var defaultName: String { "mapRecords" }
    /// The targets.
    public var detail: String { mapping.targets.map(\.name).joined(separator: ", ") }
    /// Stateless.
    public var isStateless: Bool { true }

    /// Creates an instance.
    public func makeOperator(_ context: StageContext) -> Operator { Operator(mapping: mapping) }

    /// The running form of ``MapRecords``.
    public struct Operator: TransformOperator {
        let mapping: FieldMapping

        /// Maps and decodes one record.
        public mutating func process(_ record: Record, into output: inout Emitter<Output>) throws {
            let mapped: Record
            do {
                mapped = try mapping.apply(record)
            } catch let error as MappingError {
                throw RecordError(error.description, at: record.origin)
            }
            do {
                output.emit(try mapped.decode(as: Output.self))
            } catch let error as DecodingError {
                throw RecordError(Self.describe(error), at: record.origin)
            }
        }

        static func describe(_ error: DecodingError) -> String {
            switch error {
            case .keyNotFound(let key, _): return "field '\(key.stringValue)' is missing after mapping"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return "field '\(path)': \(context.debugDescription)"
            @unknown default: return "\(error)"
            }
        }
    }
}

import Foundation
import Synchronization
import SluiceCore

/// What ``EnforceSchema`` does with a record that does not fit the schema.
public enum SchemaPolicy: Sendable {
    /// Widen the schema (new fields, wider types, nullable fields) and pass the record on.
    case evolve
    /// Hand the record to the error policy (by default a dead letter) naming the changes.
    case reject
}

/// Schema changes seen by an ``EnforceSchema`` stage during a run.
public final class SchemaReport: Sendable, CustomStringConvertible {
    private let seen = Mutex<[String: Int]>([:])

    /// An empty report.
    public init() {}

    /// Each change and how many records showed it.
    public var changes: [String: Int] { seen.withLock { $0 } }

    func record(_ changes: [SchemaChange]) {
        seen.withLock { counts in for change in changes { counts[change.description, default: 0] += 1 } }
    }

    /// One line per change, with its count.
    public var description: String {
        changes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) record(s)" }.joined(separator: "\n")
    }
}

/// Checks schema-less records against a schema kept in a JSON file next to the data: the
/// first run infers it, later runs detect new fields and type changes and, by policy,
/// evolve the schema (written back at the end of a successful run) or reject the records.
///
/// ```swift
/// let changes = SchemaReport()
/// Pipeline("landing") {
///     Source.jsonLines("landing/events-*.jsonl")
///     EnforceSchema(file: "warehouse/events.schema.json", policy: .evolve, report: changes)
///     Sink.jsonLines("warehouse/events.jsonl", of: Record.self)
/// }
/// print(changes)     // new field 'coupon' (text): 120 record(s)
/// ```
public struct EnforceSchema: TransformStage {
    /// Records in.
    public typealias Input = Record
    /// Records that fit (or evolved the schema).
    public typealias Output = Record
    /// Settings changed by modifiers; dead-lettering by default.
    public var settings: StageSettings
    let file: String
    let policy: SchemaPolicy
    let report: SchemaReport?

    /// Enforces the schema in `file` (created by the first run) with `policy`.
    public init(file: String, policy: SchemaPolicy = .evolve, report: SchemaReport? = nil) {
        self.file = file
        self.policy = policy
        self.report = report
        settings = StageSettings()
        settings.errorPolicy = .deadLetter
    }

    /// `enforceSchema`.
    public var defaultName: String { "enforceSchema" }
    /// The file and policy.
    public var detail: String { "\(file), \(policy == .evolve ? "evolve" : "reject changes")" }
    /// One instance owns the schema file.
    public var maximumParallelism: Int? { 1 }

    /// Reads the schema file, if there is one; a damaged file fails here, naming it.
    public func makeOperator(_ context: StageContext) throws -> Operator {
        var schema: Schema?
        if let data = FileManager.default.contents(atPath: file) {
            do {
                schema = try JSONDecoder().decode(Schema.self, from: data)
            } catch {
                throw RecordError("the schema file \(file) cannot be read: \(error)")
            }
        }
        return Operator(stage: self, schema: schema)
    }

    /// The running form of ``EnforceSchema``.
    public struct Operator: TransformOperator {
        let stage: EnforceSchema
        var schema: Schema?

        /// Checks one record.
        public mutating func process(_ record: Record, into output: inout Emitter<Record>) throws {
            guard var widened = schema else {
                schema = Schema.infer([record])
                output.emit(record)
                return
            }
            let changes = widened.absorb(record)
            guard !changes.isEmpty else {
                output.emit(record)
                return
            }
            stage.report?.record(changes)
            switch stage.policy {
            case .evolve:
                schema = widened
                output.emit(record)
            case .reject:
                throw RecordError("does not fit the schema in \(stage.file): " + changes.map(\.description).joined(separator: "; "),
                                  at: record.origin)
            }
        }

        /// Writes the (possibly evolved) schema next to the data.
        public mutating func finish(into output: inout Emitter<Record>) throws {
            guard let schema else { return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let directory = (stage.file as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            do {
                try encoder.encode(schema).write(to: URL(fileURLWithPath: stage.file), options: .atomic)
            } catch {
                throw RecordError("cannot write the schema file \(stage.file): \(error.localizedDescription)")
            }
        }
    }
}

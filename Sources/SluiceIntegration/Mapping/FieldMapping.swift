import SluiceCore

/// Maps records of several source schemas to one canonical shape, declaratively: each target
/// field names the source fields it may come from, its type, a default and an optional
/// transformation; derived fields are computed from the mapped record.
///
/// ```swift
/// let customers = FieldMapping([
///     .field("customerId", from: ["CustomerID", "UserNumber"], as: .text),
///     .field("email", from: ["Email", "mail"], transform: { $0.text.flatMap(Standardise.email).map(Value.string) }),
///     .field("age", from: ["Age"], as: .integer),
///     .field("country", from: ["Country"], default: .string("GB")),
///     .field("joined", from: ["Joined", "signup_date"], as: .date(DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy"]))),
///     .derived("adult", as: .boolean) { record in (record["age"].flatMap { if case .int(let n) = $0 { n } else { nil } }).map { .bool($0 >= 18) } },
/// ], unmapped: .reject)
/// print(customers)          // the mapping as a table
/// let canonical = try customers.apply(record)
/// ```
public struct FieldMapping: Sendable, CustomStringConvertible {
    /// The type a target field is converted to.
    public enum FieldType: Sendable, CustomStringConvertible {
        /// Text (numbers and booleans become their text).
        case text
        /// A whole number.
        case integer
        /// A decimal number.
        case decimal
        /// `true`/`false`, `yes`/`no`, `1`/`0`.
        case boolean
        /// A date read with the standardiser's formats.
        case date(DateStandardiser)
        /// The value as it is.
        case any

        /// The type's name.
        public var description: String {
            switch self {
            case .text: return "text"
            case .integer: return "integer"
            case .decimal: return "decimal"
            case .boolean: return "boolean"
            case .date(let dates): return "date (\(dates.formats.joined(separator: " | ")))"
            case .any: return "any"
            }
        }
    }

    /// What happens to a source field no target reads.
    public enum Unmapped: Sendable {
        /// It is dropped.
        case drop
        /// The record is rejected, naming the field.
        case reject
    }

    /// One field of the canonical record.
    public struct Target: Sendable {
        /// The canonical name.
        public let name: String
        /// Source fields tried in order; the first present and not empty wins.
        public let sources: [String]
        /// The type it is converted to.
        public let type: FieldType
        /// The value when no source has one; `nil` makes the field required.
        public let defaultValue: Value?
        let transform: (@Sendable (Value) -> Value?)?
        let derive: (@Sendable (Record) -> Value?)?
    }

    /// The targets, in output order.
    public let targets: [Target]
    /// What happens to unmapped source fields.
    public let unmapped: Unmapped
    /// The source fields some target reads; a nested source (`address.postcode`) counts its
    /// top-level field (`address`) too. Fixed by the targets, so worked out once.
    let mappedSources: Set<String>

    /// A mapping with `targets`.
    public init(_ targets: [Target], unmapped: Unmapped = .drop) {
        self.targets = targets
        self.unmapped = unmapped
        var mapped = Set<String>()
        for source in targets.flatMap(\.sources) {
            mapped.insert(source)
            if let dot = source.firstIndex(of: ".") { mapped.insert(String(source[..<dot])) }
        }
        mappedSources = mapped
    }

    /// The canonical record for `record`; throws a ``MappingError`` naming the field and what
    /// was wrong.
    public func apply(_ record: Record) throws -> Record {
        var output = Record()
        output.origin = record.origin
        for target in targets {
            if let derive = target.derive {
                let value = derive(output) ?? .null
                output[target.name] = value.isNull ? .null : try convert(value, to: target.type, field: target.name, source: "derived")
                continue
            }
            var found: (source: String, raw: Value)?
            for source in target.sources {
                if let raw = record.value(atPath: source), !raw.isNull {
                    found = (source, raw)
                    break
                }
            }
            guard let (source, raw) = found else {
                guard let fallback = target.defaultValue else {
                    throw MappingError(field: target.name, reason: "required, but none of \(target.sources.joined(separator: ", ")) has a value")
                }
                output[target.name] = fallback
                continue
            }
            var value = try convert(raw, to: target.type, field: target.name, source: source)
            if let transform = target.transform {
                guard let transformed = transform(value) else {
                    throw MappingError(field: target.name, reason: "\(source) value \(raw) is rejected by the field's transformation")
                }
                value = transformed
            }
            output[target.name] = value
        }
        if unmapped == .reject, let extra = record.names.first(where: { !mappedSources.contains($0) }) {
            throw MappingError(field: extra, reason: "the source field '\(extra)' is not mapped to any target")
        }
        return output
    }

    func convert(_ value: Value, to type: FieldType, field: String, source: String) throws -> Value {
        func failure(_ wanted: String) -> MappingError {
            MappingError(field: field, reason: "\(source) value \(value) cannot be converted to \(wanted)")
        }
        // Trimmed text, only for the conversions that read it.
        var text: String? { value.text?.trimmingCharacters(in: .whitespaces) }
        switch type {
        case .any: return value
        case .text:
            guard let text = value.text else { throw failure("text") }
            return .string(text)
        case .integer:
            if case .int = value { return value }
            if case .double(let number) = value, let whole = Int64(exactly: number) { return .int(whole) }
            guard let text, let whole = Int64(text) else { throw failure("an integer") }
            return .int(whole)
        case .decimal:
            // An exact decimal (a whole number beyond Int64) stays exact rather than rounded.
            if case .double = value { return value }
            if case .decimal = value { return value }
            if case .int(let whole) = value { return .double(Double(whole)) }
            guard let text, let number = Double(text), number.isFinite else { throw failure("a decimal number") }
            return .double(number)
        case .boolean:
            if case .bool = value { return value }
            switch text?.lowercased() {
            case "true", "yes", "1": return .bool(true)
            case "false", "no", "0": return .bool(false)
            default: throw failure("a boolean")
            }
        case .date(let dates):
            if case .date = value { return value }
            guard let text, let iso = dates.iso(text), let day = Value.day(iso) else {
                throw failure("a date in \(dates.formats.joined(separator: ", "))")
            }
            return day
        }
    }

    /// The mapping as a table: target, sources, type, default.
    public var description: String {
        let rows = [["target", "from", "type", "default"]] + targets.map { target in
            [target.name, target.derive != nil ? "(derived)" : target.sources.joined(separator: " | "), target.type.description,
             target.derive != nil ? "" : target.defaultValue.map(\.description) ?? "(required)"]
        }
        return TextTable.lines(rows, leftAligned: 4).joined(separator: "\n")
    }
}

/// A record that a ``FieldMapping`` could not map.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    /// The target or source field concerned.
    public let field: String
    /// What was wrong.
    public let reason: String
    /// `field 'age': …`.
    public var description: String { "field '\(field)': \(reason)" }
}

extension FieldMapping.Target {
    /// A field taken from the first of `sources` that has a value, converted to `type`,
    /// then transformed (a transform returning `nil` rejects the value). `default` fills a
    /// missing value; without one the field is required, except that `.null` is a valid
    /// default.
    public static func field(_ name: String, from sources: [String], as type: FieldMapping.FieldType = .text, default defaultValue: Value? = nil,
                             transform: (@Sendable (Value) -> Value?)? = nil) -> FieldMapping.Target {
        FieldMapping.Target(name: name, sources: sources, type: type, defaultValue: defaultValue, transform: transform, derive: nil)
    }

    /// A field computed from the record mapped so far (the targets before it); `nil` from
    /// `compute` gives `.null`.
    public static func derived(_ name: String, as type: FieldMapping.FieldType = .any, _ compute: @escaping @Sendable (Record) -> Value?) -> FieldMapping.Target {
        FieldMapping.Target(name: name, sources: [], type: type, defaultValue: .null, transform: nil, derive: compute)
    }
}

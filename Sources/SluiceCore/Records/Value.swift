import Foundation

/// One value of a schema-less ``Record``.
public enum Value: Sendable, Hashable {
    /// Nothing.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A whole number.
    case int(Int64)
    /// A floating-point number.
    case double(Double)
    /// A whole number beyond the range of `Int64`, kept exactly (JSON readers make one
    /// rather than round it into a double).
    case decimal(Decimal)
    /// Text.
    case string(String)
    /// A calendar date (midnight UTC).
    case date(Date)
    /// A list (held compactly when it is all whole numbers or all doubles).
    case array(ValueList)
    /// A nested record.
    case record(Record)

    /// A list of `values`.
    public static func array(_ values: [Value]) -> Value { .array(ValueList(values)) }

    /// The value as text, when it has a natural one (numbers, booleans and dates included).
    public var text: String? {
        switch self {
        case .null, .array, .record: return nil
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .decimal(let value): return ExactDecimal.text(value)
        case .string(let value): return value
        case .date(let value): return CivilDate(value).description
        }
    }

    /// Whether the value is `.null` (or empty text).
    public var isNull: Bool {
        if case .string(let text) = self {
            // Foundation's trimming allocates; this stops at the first visible character.
            return text.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
        }
        return self == .null
    }

    /// A date from `yyyy-MM-dd` text; `nil` when the text is not a real day.
    public static func day(_ iso: String) -> Value? { CivilDate(iso: iso).map { .date($0.date) } }
}

extension Value: CustomStringConvertible {
    /// A short rendering: text as it is, lists and records in brackets.
    public var description: String {
        switch self {
        case .null: return "null"
        case .array(let values): return values.description
        case .record(let record): return record.description
        case .string(let text): return "\"\(text)\""
        default: return text ?? ""
        }
    }
}

extension Value: Codable {
    /// Reads whatever the decoder holds: null, text, a boolean, a number, a record or a list.
    /// Text is tried first, so a CSV field stays text ("00123" keeps its zeros) while JSON
    /// keeps its types.
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() { self = .null; return }
            if let text = try? container.decode(String.self) { self = .string(text); return }
            if let flag = try? container.decode(Bool.self) { self = .bool(flag); return }
            if let whole = try? container.decode(Int64.self) { self = .int(whole); return }
            if let number = try? container.decode(Double.self) { self = .double(number); return }
        }
        if let record = try? Record(from: decoder) { self = .record(record); return }
        if var list = try? decoder.unkeyedContainer() {
            var values: [Value] = []
            while !list.isAtEnd { values.append(try list.decode(Value.self)) }
            self = .array(ValueList(values))
            return
        }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a value of no known kind"))
    }

    /// Writes the value as JSON would hold it (dates as `yyyy-MM-dd`).
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .decimal(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .date(let value):
            var container = encoder.singleValueContainer()
            try container.encode(CivilDate(value).description)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .record(let record):
            try record.encode(to: encoder)
        }
    }
}

extension Value {
    /// The value at a dotted path into nested records (`"meta.next"`); the value itself for
    /// `""`. `nil` when a step is missing or not a record.
    public func value(atPath path: String) -> Value? {
        var current = self
        for key in path.split(separator: ".") {
            guard case .record(let record) = current, let inner = record[String(key)] else { return nil }
            current = inner
        }
        return current
    }
}

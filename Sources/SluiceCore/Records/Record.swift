/// A schema-less record: named values in order, for data whose shape is known only at run
/// time — a CSV with any header, JSON with any fields — before it is mapped to a type.
///
/// ```swift
/// Source.csv("export.csv")              // every column, as text
/// Source.jsonLines("events.jsonl")      // JSON types kept, nested records too
/// let order = try record.decode(as: Order.self)       // into a typed value
/// ```
public struct Record: Sendable, Hashable, CustomStringConvertible {
    /// The fields in order.
    public private(set) var fields: [(name: String, value: Value)]
    /// Where the record was read — file and line — when a file source made it, so that a
    /// later stage rejecting it can say where it came from. Not part of the record's value:
    /// equality, hashing and encoding ignore it, and mapping carries it over.
    public var origin: SourceLocation? {
        get { originBox?.location }
        set { originBox = newValue.map(OriginBox.init) }
    }
    /// Held by reference: inline, a location would make every ``Value`` (which can hold a
    /// record) 64 bytes instead of 24, and a JSON array of five million numbers 200 MB larger.
    private var originBox: OriginBox?

    /// A record with `fields` in order; a repeated name keeps its last value.
    public init(_ fields: [(String, Value)] = []) {
        self.fields = []
        self.fields.reserveCapacity(fields.count)
        if fields.count <= 16 {
            for (name, value) in fields { self[name] = value }
            return
        }
        // Linear in the number of fields, so that a line with 50,000 keys stays cheap.
        var positions: [String: Int] = [:]
        positions.reserveCapacity(fields.count)
        for (name, value) in fields {
            if let position = positions[name] {
                self.fields[position].value = value
            } else {
                positions[name] = self.fields.count
                self.fields.append((name, value))
            }
        }
    }

    /// The field names in order.
    public var names: [String] { fields.map(\.name) }

    /// The value of `name`; `nil` when there is no such field. Setting `nil` removes it;
    /// setting a new name appends it.
    public subscript(_ name: String) -> Value? {
        get { fields.first { $0.name == name }?.value }
        set {
            if let index = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((name, newValue))
            }
        }
    }

    /// The value at a dotted path into nested records (`"address.postcode"`); a name that
    /// itself contains dots is found first. `nil` when any step is missing or not a record.
    public func value(atPath path: String) -> Value? {
        self[path] ?? Value.record(self).value(atPath: path)
    }

    /// `{name: value, …}`.
    public var description: String {
        "{" + fields.map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}"
    }

    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }

    /// Decodes the record into `type`, converting text to numbers, booleans and dates
    /// (`yyyy-MM-dd`) where the type asks for them. Errors name the field.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try T(from: RecordDecoder(value: .record(self), codingPath: []))
    }
}

extension Record: Codable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Reads every field the decoder has, in its order.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var fields: [(String, Value)] = []
        for key in container.allKeys { fields.append((key.stringValue, try container.decode(Value.self, forKey: key))) }
        self.init(fields)
    }

    /// Writes the fields in order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for field in fields { try container.encode(field.value, forKey: Key(stringValue: field.name)) }
    }
}

extension Record {
    /// The origin of `element` when it is a ``Record`` (for generic stages that may carry
    /// records): cheap, the type is compared before anything is cast.
    @inlinable public static func origin<Element>(of element: Element) -> SourceLocation? {
        guard Element.self == Record.self else { return nil }
        return (element as! Record).origin
    }

    /// `value` with `origin` set when it is a ``Record``; other values unchanged.
    @inlinable public static func located<Element>(_ value: Element, at origin: @autoclosure () -> SourceLocation) -> Element {
        guard Element.self == Record.self else { return value }
        var record = value as! Record
        record.origin = origin()
        return record as! Element
    }
}

/// A ``Record``'s origin, boxed.
private final class OriginBox: Sendable {
    let location: SourceLocation
    init(_ location: SourceLocation) { self.location = location }
}

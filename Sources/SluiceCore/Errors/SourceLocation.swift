/// Where a record came from: a file (or other origin), a line number and, when known, a field.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The file path or another name for the origin, such as `stdin`.
    public var origin: String
    /// The 1-based line on which the record starts, when the origin has lines.
    public var line: Int?
    /// The field (column or JSON key path) at fault, when known.
    public var field: String?

    /// Creates a location.
    public init(origin: String, line: Int? = nil, field: String? = nil) {
        self.origin = origin
        self.line = line
        self.field = field
    }

    /// `origin:line, field 'name'`.
    public var description: String {
        var text = origin
        if let line { text += ":\(line)" }
        if let field { text += ", field '\(field)'" }
        return text
    }
}

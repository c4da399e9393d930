/// An error the server reported, with every field it gave: the SQLSTATE code and message, and
/// where it knows them the detail, the hint and the table, column and constraint involved.
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `ERROR`, `FATAL` or `PANIC`.
    public var severity: String
    /// The SQLSTATE code (`42P01`: undefined table; `23505`: unique violation).
    public var sqlState: String
    /// The primary message.
    public var message: String
    /// More detail, when given.
    public var detail: String?
    /// A suggestion, when given.
    public var hint: String?
    /// The schema, table, column, data type and constraint involved, when given.
    public var schema: String?, table: String?, column: String?, dataType: String?, constraint: String?
    /// Where in the query (1-based character position), when given.
    public var position: Int?
    /// Where it happened in the server's words (`COPY t, line 3, column id: "x"`), when given.
    public var `where`: String?

    /// The error of an ErrorResponse's fields.
    public init(fields: [UInt8: String]) {
        func field(_ code: Character) -> String? { fields[UInt8(ascii: code.unicodeScalars.first!)] }
        severity = field("V") ?? field("S") ?? "ERROR"
        sqlState = field("C") ?? "XX000"
        message = field("M") ?? "(no message)"
        detail = field("D")
        hint = field("H")
        schema = field("s")
        table = field("t")
        column = field("c")
        dataType = field("d")
        constraint = field("n")
        position = field("P").flatMap { Int($0) }
        `where` = field("W")
    }

    /// `ERROR 42P01: relation "x" does not exist (table orders; detail …; hint …)`.
    public var description: String {
        var extra: [String] = []
        if let table { extra.append("table \(schema.map { $0 + "." } ?? "")\(table)") }
        if let column { extra.append("column \(column)") }
        if let constraint { extra.append("constraint \(constraint)") }
        if let position { extra.append("at character \(position)") }
        if let `where` { extra.append("where: \(`where`)") }
        if let detail { extra.append("detail: \(detail)") }
        if let hint { extra.append("hint: \(hint)") }
        return "\(severity) \(sqlState): \(message)" + (extra.isEmpty ? "" : " (" + extra.joined(separator: "; ") + ")")
    }
}

extension PostgresError {
    /// The line of a COPY's data that failed, from `COPY x, line 3, column y: …`.
    public var copyLine: Int? {
        guard let place = `where`, place.hasPrefix("COPY "), let range = place.range(of: ", line ") else { return nil }
        return Int(place[range.upperBound...].prefix { $0.isNumber })
    }
}

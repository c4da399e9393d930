/// A column whose value does not fit the Swift type asked for, or a column that is missing.
/// The description names the column, its SQL type and the Swift type.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The column's name (with `[index]` for an array element).
    public var column: String
    /// The column's SQL type (`integer`, `text[]`).
    public var sqlType: String
    /// The Swift type asked for.
    public var swiftType: String
    /// What did not fit.
    public var reason: String

    /// An error for `column`.
    public init(column: String, sqlType: String, swiftType: String, reason: String) {
        self.column = column
        self.sqlType = sqlType
        self.swiftType = swiftType
        self.reason = reason
    }

    /// `column 'amount' (numeric) does not fit Int: '12.5' is not a whole number`.
    public var description: String {
        sqlType.isEmpty ? "column '\(column)': \(reason)"
            : "column '\(column)' (\(sqlType)) does not fit \(swiftType): \(reason)"
    }
}

/// The columns that order a table's rows for incremental reading: a keyset such as
/// `["updated_at", "id"]`. Each read asks for the rows at or after the last row emitted (in
/// this order), and skips the ones at exactly that position it already emitted, so rows that
/// share a cursor value are neither read twice nor skipped. The cursor columns must not be
/// NULL.
public struct PostgresCursor: Sendable, Equatable {
    /// The columns, most significant first.
    public var columns: [String]

    /// A cursor over `columns`.
    public init(_ columns: String...) { self.columns = columns }

    /// A cursor over `columns`.
    public init(columns: [String]) { self.columns = columns }
}

/// When a polling source reads again: every `interval`, once at least `minimumNewRows` rows
/// are past its cursor.
public struct PostgresPolling: Sendable, Equatable {
    /// The wait between polls.
    public var interval: Duration
    /// The rows past the cursor needed before a poll reads them (1: any new row).
    public var minimumNewRows: Int

    /// Polls every `interval`, reading once `minimumNewRows` new rows are there.
    public init(every interval: Duration, minimumNewRows: Int = 1) {
        self.interval = interval
        self.minimumNewRows = max(1, minimumNewRows)
    }
}

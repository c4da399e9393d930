/// How a ``PostgresSink`` merges its rows into the table.
public enum PostgresSinkMode: Sendable, Equatable, Codable {
    /// Inserts every row.
    case append
    /// Inserts a row, or updates the row with the same `key` (`INSERT … ON CONFLICT (key) DO
    /// UPDATE`); the key needs a unique index. Of several rows with one key in a checkpoint,
    /// the last wins.
    case upsert(key: [String])
    /// Keeps history (a slowly changing dimension of type 2): a row whose values differ from
    /// the current version of its `key` closes that version (sets `valid_to`) and becomes the
    /// new one (`valid_from`, `valid_to` NULL); an unchanged row writes nothing. The table needs
    /// `valid_from` and `valid_to` columns of type `timestamptz`; both are set to the time of
    /// the merge.
    case history(key: [String])
}

extension PostgresSinkMode {
    /// The key columns (none in append mode).
    var key: [String] {
        switch self {
        case .append: return []
        case .upsert(let key), .history(let key): return key
        }
    }
}

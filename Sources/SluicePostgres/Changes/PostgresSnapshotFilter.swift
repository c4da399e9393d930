/// What a snapshot read after a restart already holds, so that the change stream does not
/// deliver it a second time.
///
/// The first run reads its snapshot in the transaction the slot's creation exported, whose
/// changes end exactly where the slot's stream begins. A run that restarts mid-snapshot has
/// lost that transaction, so it reads the rest of the tables — the rows after the last key
/// delivered — in a new snapshot, taken later. Changes that transaction could see are in
/// those rows already, and the stream (which starts at the slot's position, before them)
/// sends them again. The filter drops exactly those: a change of a filtered table whose key
/// is in the range read, from a transaction visible to the snapshot (committed before it was
/// taken, told apart by the snapshot's `xmin`, `xmax` and in-progress list, as the server
/// does). Changes of later transactions, and of keys delivered before the restart, pass.
/// Once the stream passes `until` — the log's insert position when the snapshot was taken,
/// after every commit it could see — no change can match, and the filter is dropped.
public struct PostgresSnapshotFilter: Codable, Sendable, Equatable {
    /// The table, `schema.name`.
    public var table: String
    /// The key the table was read in order of.
    public var key: PostgresSnapshotKey
    /// The last key delivered before the snapshot; `nil` when the whole table was read in it.
    public var after: [String]?
    /// The snapshot's oldest transaction still running: every older one is visible.
    public var xmin: UInt64
    /// The first transaction id not yet assigned: it and newer ones are not visible.
    public var xmax: UInt64
    /// Transactions between the two that were running, so not visible.
    public var inProgress: [UInt64]
    /// The log's insert position after the snapshot was taken.
    public var until: PostgresLSN

    /// Whether the snapshot saw transaction `id` (the 32-bit id the stream gives), committed at
    /// `commitLSN`.
    public func sees(transaction id: UInt32, committedAt commitLSN: PostgresLSN) -> Bool {
        guard commitLSN < until else { return false }
        let full = widen(id)
        if full < xmin { return true }
        return full < xmax && !inProgress.contains(full)
    }

    /// Whether the snapshot read the row with key `values` (as text).
    public func covers(key values: [String]) -> Bool {
        guard let after else { return true }
        return key.precedes(after, values)
    }

    /// The 64-bit id (epoch and id) of a 32-bit one, which is near the snapshot's.
    func widen(_ id: UInt32) -> UInt64 {
        let epoch = xmax & ~UInt64(UInt32.max)
        var full = epoch | UInt64(id)
        // An id above xmax's low half belongs to the epoch before (ids wrap at 2^32).
        if full > xmax, full - xmax > UInt64(UInt32.max / 2), full >= 1 << 32 { full -= 1 << 32 }
        return full
    }

    /// Reads `pg_current_snapshot()`'s text, `xmin:xmax:xip,xip,…`.
    static func parseSnapshot(_ text: String) -> (xmin: UInt64, xmax: UInt64, inProgress: [UInt64])? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let xmin = UInt64(parts[0]), let xmax = UInt64(parts[1]) else { return nil }
        var running: [UInt64] = []
        for item in parts[2].split(separator: ",") {
            guard let id = UInt64(item) else { return nil }
            running.append(id)
        }
        return (xmin, xmax, running)
    }
}

/// Finds staged rows that a table's keys would refuse, in one query for every constraint:
/// rows whose unique key is already in the table (when rows are appended) and rows whose
/// foreign key has no referenced row. A COPY cannot find these by line: unique keys of a
/// staging table are not the table's, and foreign keys are checked when the statement ends.
struct PostgresConstraintCheck {
    /// Selects the sequence number of each refused row and the index of its reason.
    let query: String?
    /// Why a row was refused, by index, in the server's words.
    let reasons: [String]

    /// The check of the rows of `staged` (aliased `s`, numbered by `_sluice_seq`) that match
    /// `batch`, against the constraints of `target` on `columns`.
    init(target: PostgresTable, mode: PostgresSinkMode, columns: [String], staged: String, batch: String) {
        var checks: [String] = []
        var reasons: [String] = []
        for constraint in target.constraints where constraint.columns.allSatisfy(columns.contains) {
            switch constraint.kind {
            case .unique:
                guard case .append = mode else { continue }
                let match = constraint.columns.map { "t.\(PostgresTable.quoted($0)) = s.\(PostgresTable.quoted($0))" }.joined(separator: " AND ")
                checks.append("SELECT s._sluice_seq, \(reasons.count) FROM \(staged) s WHERE \(batch) AND EXISTS (SELECT 1 FROM \(target.qualifiedName) t WHERE \(match))")
                reasons.append("ERROR 23505: duplicate key value violates unique constraint \"\(constraint.name)\" (constraint \(constraint.name))")
            case .foreignKey(let table, let referenced):
                let present = constraint.columns.map { "s.\(PostgresTable.quoted($0)) IS NOT NULL" }.joined(separator: " AND ")
                let match = zip(constraint.columns, referenced).map { "r.\(PostgresTable.quoted($1)) = s.\(PostgresTable.quoted($0))" }.joined(separator: " AND ")
                checks.append("SELECT s._sluice_seq, \(reasons.count) FROM \(staged) s WHERE \(batch) AND \(present) AND NOT EXISTS (SELECT 1 FROM \(table) r WHERE \(match))")
                reasons.append("ERROR 23503: insert or update violates foreign key constraint \"\(constraint.name)\" (constraint \(constraint.name)): no matching row in \(table)")
            }
        }
        query = checks.isEmpty ? nil : checks.joined(separator: " UNION ALL ")
        self.reasons = reasons
    }

    /// Runs the check: the refused rows' sequence numbers, each with why.
    func run(on connection: PostgresConnection) throws -> [Int64: String] {
        guard let query else { return [:] }
        var found: [Int64: String] = [:]
        try connection.query(query) { rows in
            for row in rows {
                guard let seq = Int64(row[text: 0] ?? ""), let reason = Int(row[text: 1] ?? ""), reasons.indices.contains(reason) else { continue }
                found[seq] = found[seq] ?? reasons[reason]
            }
        }
        return found
    }
}

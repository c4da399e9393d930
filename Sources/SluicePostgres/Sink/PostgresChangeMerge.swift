/// The statements that apply staged changes (``PostgresChangeSink``) to a table, inside the
/// exactly-once commit of ``PostgresMerge``.
///
/// The staging table holds each change as a row: the table's columns (NULL where the change
/// gives no value), `_sluice_op` (`i`nsert, `u`pdate, `d`elete, `t`runcate), the columns whose
/// values were not sent (`_sluice_unchanged`: unchanged TOAST values, and columns the row type
/// does not carry), and the commit time. Changes apply in their order (segment, sequence).
enum PostgresChangeMerge {
    static func statements(for transaction: PostgresSinkTransaction, unchanged: [String]) -> [String] {
        let staged = PostgresMerge.stagedCondition(transaction)
        let table = transaction.table, staging = transaction.staging
        let key = transaction.mode.key.map(PostgresTable.quoted)
        let columns = transaction.columns.map(PostgresTable.quoted)
        let others = columns.filter { !key.contains($0) }
        let keyList = key.joined(separator: ", ")
        let list = columns.joined(separator: ", ")
        func match(_ a: String, _ b: String) -> String { key.map { "\(a).\($0) = \(b).\($0)" }.joined(separator: " AND ") }
        let anyTruncate = "EXISTS (SELECT 1 FROM \(staging) WHERE \(staged) AND _sluice_op = 't')"
        let order = "_sluice_segment, _sluice_seq"
        var statements: [String] = []
        switch transaction.mode {
        case .append:
            return []
        case .upsert:
            // Only what follows the last truncate counts; the truncate empties the table first.
            statements.append("""
                CREATE TEMPORARY TABLE sluice_changes ON COMMIT DROP AS SELECT * FROM \(staging) s WHERE \(staged) AND s._sluice_op <> 't'
                AND NOT EXISTS (SELECT 1 FROM \(staging) x WHERE \(staged) AND x._sluice_op = 't' AND (x._sluice_segment, x._sluice_seq) > (s._sluice_segment, s._sluice_seq))
                """)
            statements.append("DELETE FROM \(table) WHERE \(anyTruncate)")
            statements.append("""
                CREATE TEMPORARY TABLE sluice_latest ON COMMIT DROP AS SELECT DISTINCT ON (\(keyList)) * FROM sluice_changes
                ORDER BY \(keyList), _sluice_segment DESC, _sluice_seq DESC
                """)
            // A value not sent is the newest one an earlier change of the batch sent, if any.
            for column in unchanged.map(PostgresTable.quoted) where others.contains(column) {
                let name = PostgresMerge.literal(String(column.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\""))
                statements.append("""
                    UPDATE sluice_latest l SET \(column) = r.value, _sluice_unchanged = array_remove(l._sluice_unchanged, \(name))
                    FROM (SELECT DISTINCT ON (\(keyList)) \(keyList), \(column) AS value FROM sluice_changes
                          WHERE _sluice_op IN ('i', 'u') AND NOT (\(name) = ANY(_sluice_unchanged))
                          ORDER BY \(keyList), _sluice_segment DESC, _sluice_seq DESC) r
                    WHERE \(match("l", "r")) AND l._sluice_op IN ('i', 'u') AND \(name) = ANY(l._sluice_unchanged)
                    """)
            }
            statements.append("DELETE FROM \(table) t USING sluice_latest s WHERE \(match("t", "s")) AND s._sluice_op = 'd'")
            if !others.isEmpty {
                let assignments = others.map { column -> String in
                    let name = PostgresMerge.literal(String(column.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\""))
                    return "\(column) = CASE WHEN \(name) = ANY(s._sluice_unchanged) THEN t.\(column) ELSE s.\(column) END"
                }
                statements.append("UPDATE \(table) t SET \(assignments.joined(separator: ", ")) FROM sluice_latest s WHERE \(match("t", "s")) AND s._sluice_op IN ('i', 'u')")
            }
            statements.append("""
                INSERT INTO \(table) (\(list)) SELECT \(list) FROM sluice_latest s WHERE s._sluice_op IN ('i', 'u')
                AND NOT EXISTS (SELECT 1 FROM \(table) t WHERE \(match("t", "s")))
                """)
        case .history:
            // Every change is a version: it is valid until the key's next change, or the next
            // truncate, whichever comes first (a version its own transaction replaced is none).
            statements.append("""
                CREATE TEMPORARY TABLE sluice_versions ON COMMIT DROP AS SELECT s.*,
                    LEAST(lead(s._sluice_time) OVER (PARTITION BY \(key.map { "s.\($0)" }.joined(separator: ", ")) ORDER BY s._sluice_segment, s._sluice_seq),
                          (SELECT min(x._sluice_time) FROM \(staging) x WHERE \(staged) AND x._sluice_op = 't'
                           AND (x._sluice_segment, x._sluice_seq) > (s._sluice_segment, s._sluice_seq))) AS _sluice_until
                FROM \(staging) s WHERE \(staged) AND s._sluice_op <> 't'
                """)
            for column in unchanged.map(PostgresTable.quoted) where others.contains(column) {
                let name = PostgresMerge.literal(String(column.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\""))
                let earlier = """
                    FROM sluice_versions e WHERE \(match("e", "v")) AND e._sluice_op IN ('i', 'u') AND NOT (\(name) = ANY(e._sluice_unchanged))
                    AND (e._sluice_segment, e._sluice_seq) < (v._sluice_segment, v._sluice_seq)
                    """
                statements.append("""
                    UPDATE sluice_versions v SET \(column) = CASE WHEN EXISTS (SELECT 1 \(earlier))
                        THEN (SELECT e.\(column) \(earlier) ORDER BY e._sluice_segment DESC, e._sluice_seq DESC LIMIT 1)
                        ELSE (SELECT t.\(column) FROM \(table) t WHERE \(match("t", "v")) AND t.valid_to IS NULL) END
                    WHERE v._sluice_op IN ('i', 'u') AND \(name) = ANY(v._sluice_unchanged)
                    """)
            }
            let firstTruncate = "(SELECT min(_sluice_time) FROM \(staging) WHERE \(staged) AND _sluice_op = 't')"
            let firstChanges = "(SELECT DISTINCT ON (\(keyList)) \(keyList), _sluice_time AS first FROM sluice_versions ORDER BY \(keyList), \(order)) f"
            // A current version its own transaction replaces (a checkpoint fell inside that
            // transaction) was never valid: it goes, rather than close with no length.
            statements.append("""
                DELETE FROM \(table) t USING \(firstChanges)
                WHERE \(match("t", "f")) AND t.valid_to IS NULL AND t.valid_from >= LEAST(f.first, \(firstTruncate))
                """)
            statements.append("UPDATE \(table) t SET valid_to = LEAST(f.first, \(firstTruncate)) FROM \(firstChanges) WHERE \(match("t", "f")) AND t.valid_to IS NULL")
            statements.append("DELETE FROM \(table) WHERE valid_to IS NULL AND valid_from >= \(firstTruncate) AND \(anyTruncate)")
            statements.append("UPDATE \(table) SET valid_to = \(firstTruncate) WHERE valid_to IS NULL AND \(anyTruncate)")
            statements.append("""
                INSERT INTO \(table) (\(list), valid_from, valid_to) SELECT \(list), _sluice_time, _sluice_until FROM sluice_versions
                WHERE _sluice_op IN ('i', 'u') AND (_sluice_until IS NULL OR _sluice_until > _sluice_time) ORDER BY \(order)
                """)
        }
        statements.append("DELETE FROM \(staging) WHERE \(staged)")
        return statements
    }
}

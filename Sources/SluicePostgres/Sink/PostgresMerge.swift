import Foundation
import SluiceConnectors
import SluiceCore

/// Merges what a ``PostgresSink`` staged into its table, exactly once: in one transaction
/// that first records the commit in `sluice_commits` — a commit found there already is not
/// merged again — then merges the staged rows by the sink's mode and deletes them.
enum PostgresMerge {
    static let commitsTable = "sluice_commits"

    static let createCommitsTable = """
        CREATE TABLE IF NOT EXISTS sluice_commits (
            pipeline text NOT NULL, sink text NOT NULL, attempt uuid NOT NULL, segment bigint NOT NULL,
            checkpoint bigint, target text NOT NULL, committed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (pipeline, sink, attempt, segment))
        """

    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// What a sink's checkpoint publishes with: decodes a saved ``PostgresSinkTransaction`` and
    /// commits it with the sink's own connection settings.
    static func publisher(configuration: PostgresConfiguration, retry: RetryPolicy) -> @Sendable ([UInt8]) throws -> Void {
        { bytes in try commit(try StateCoding.decode(PostgresSinkTransaction.self, from: bytes), configuration: configuration, retry: retry) }
    }

    /// Commits `transaction` on a session opened from `configuration`, reconnecting with
    /// backoff when the connection drops; the commits table says whether an interrupted
    /// attempt committed. Blocking.
    static func commit(_ transaction: PostgresSinkTransaction, configuration: PostgresConfiguration, retry: RetryPolicy) throws {
        do {
            try PostgresReconnection.retryingBlocking(retry) { _ in
                let connection = try PostgresConnection(configuration)
                defer { connection.close() }
                try commit(transaction, on: connection)
            }
        } catch {
            throw RecordError("merging into \(transaction.table) failed: \(error)")
        }
    }

    /// Commits `transaction` on `connection`: merges and records it, or does nothing when the
    /// commits table already has it.
    static func commit(_ transaction: PostgresSinkTransaction, on connection: PostgresConnection) throws {
        guard UUID(uuidString: transaction.attempt) != nil else {
            throw RecordError("a PostgreSQL sink transaction names the attempt '\(transaction.attempt)', which is not a UUID")
        }
        _ = try connection.simpleQuery("BEGIN")
        do {
            let recorded = try connection.simpleQuery(recordStatement(transaction))
            guard recorded.first?.commandTag == "INSERT 0 1" else {
                _ = try connection.simpleQuery("ROLLBACK")
                return
            }
            for statement in statements(for: transaction) { _ = try connection.simpleQuery(statement) }
            _ = try connection.simpleQuery("COMMIT")
        } catch {
            if !PostgresReconnection.isTransient(error) { _ = try? connection.simpleQuery("ROLLBACK") }
            throw error
        }
    }

    /// Records `transaction` in the commits table, unless it is there already (`INSERT 0 0`).
    static func recordStatement(_ transaction: PostgresSinkTransaction) -> String {
        """
        INSERT INTO sluice_commits (pipeline, sink, attempt, segment, checkpoint, target)
        VALUES (\(literal(transaction.pipeline)), \(literal(transaction.sink)), \(literal(transaction.attempt)),
                \(transaction.segment), \(transaction.checkpoint.map(String.init) ?? "NULL"), \(literal(transaction.table)))
        ON CONFLICT DO NOTHING
        """
    }

    /// Whether the commits table holds `transaction`.
    static func isRecorded(_ transaction: PostgresSinkTransaction, on connection: PostgresConnection) throws -> Bool {
        let rows = try connection.simpleQuery("""
            SELECT 1 FROM sluice_commits WHERE pipeline = \(literal(transaction.pipeline)) AND sink = \(literal(transaction.sink))
            AND attempt = \(literal(transaction.attempt)) AND segment = \(transaction.segment)
            """)
        return !(rows.last?.rows.isEmpty ?? true)
    }

    /// The staged rows of the transaction.
    static func stagedCondition(_ transaction: PostgresSinkTransaction) -> String {
        "_sluice_attempt = \(literal(transaction.attempt)) AND _sluice_segment <= \(transaction.segment)"
    }

    /// The statements that merge the staged rows into the table and delete them.
    static func statements(for transaction: PostgresSinkTransaction) -> [String] {
        // A writer that has written nothing yet knows no columns, and has staged nothing.
        guard !transaction.columns.isEmpty else { return [] }
        if let changes = transaction.appliedChanges {
            return PostgresChangeMerge.statements(for: transaction, unchanged: changes.unchangedColumns)
        }
        let table = transaction.table
        let staged = stagedCondition(transaction)
        let columns = transaction.columns.map(PostgresTable.quoted)
        let list = columns.joined(separator: ", ")
        var statements: [String] = []
        switch transaction.mode {
        case .append:
            statements.append("INSERT INTO \(table) (\(list)) SELECT \(list) FROM \(transaction.staging) WHERE \(staged)")
        case .upsert(let key):
            let keys = key.map(PostgresTable.quoted).joined(separator: ", ")
            let others = columns.filter { !key.map(PostgresTable.quoted).contains($0) }
            let action = others.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + others.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
            statements.append("""
                INSERT INTO \(table) (\(list)) SELECT DISTINCT ON (\(keys)) \(list) FROM \(transaction.staging) WHERE \(staged)
                ORDER BY \(keys), _sluice_segment DESC, _sluice_seq DESC ON CONFLICT (\(keys)) \(action)
                """)
        case .history(let key):
            let keys = key.map(PostgresTable.quoted)
            let others = columns.filter { !keys.contains($0) }
            let keyMatch = keys.map { "t.\($0) = s.\($0)" }.joined(separator: " AND ")
            statements.append("""
                CREATE TEMPORARY TABLE sluice_latest ON COMMIT DROP AS SELECT DISTINCT ON (\(keys.joined(separator: ", "))) \(list)
                FROM \(transaction.staging) WHERE \(staged) ORDER BY \(keys.joined(separator: ", ")), _sluice_segment DESC, _sluice_seq DESC
                """)
            if !others.isEmpty {
                let rowChanged = "ROW(\(others.map { "t.\($0)" }.joined(separator: ", "))) IS DISTINCT FROM ROW(\(others.map { "s.\($0)" }.joined(separator: ", ")))"
                statements.append("UPDATE \(table) t SET valid_to = now() FROM sluice_latest s WHERE \(keyMatch) AND t.valid_to IS NULL AND \(rowChanged)")
            }
            statements.append("""
                INSERT INTO \(table) (\(list), valid_from, valid_to) SELECT \(list), now(), NULL FROM sluice_latest s
                WHERE NOT EXISTS (SELECT 1 FROM \(table) t WHERE \(keyMatch) AND t.valid_to IS NULL)
                """)
        }
        statements.append("DELETE FROM \(transaction.staging) WHERE \(staged)")
        return statements
    }
}

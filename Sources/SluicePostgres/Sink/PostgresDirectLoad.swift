import Foundation
import SluiceCore
import SluiceConnectors

/// How a ``PostgresSink`` without checkpoints loads: the whole run is one transaction on the
/// writer's session, and rows are COPYed straight into the table, so the server writes each
/// row once (a staging table and a merge would write it twice). A refused row is found by
/// the line its COPY names, or, for a foreign key (checked when the statement ends), by
/// splitting the rows in halves; each attempt runs under a savepoint, so a refused row takes
/// back only its own attempt. Upserts insert first: a batch whose key is already in the
/// table (or repeated in the batch) is rolled back to its savepoint and merged instead,
/// through a temporary table and `INSERT … ON CONFLICT`. The commit records the run in
/// `sluice_commits`, so a connection lost during COMMIT can ask whether it happened.
struct PostgresDirectLoad {
    /// One row's COPY text (no line end) and its element's index in the batch.
    typealias Row = (element: Int, text: [UInt8])

    /// A row the table refused: its element's index in the batch, why, and the column when known.
    struct Refusal {
        let element: Int
        let reason: String
        let column: String?

        init(element: Int, error: PostgresError) {
            self.init(element: element, reason: "\(error)", column: error.column)
        }

        init(element: Int, reason: String, column: String?) {
            self.element = element
            self.reason = reason
            self.column = column
        }
    }

    let target: PostgresTable
    let mode: PostgresSinkMode
    let columns: [String]
    /// The unique constraint the upsert key stands for.
    let keyConstraint: String?
    /// Batches still to merge without trying an insert first; doubles with each batch whose
    /// insert met existing keys, so that a load of updates stops paying for failed COPYs.
    private var mergesAhead = 0
    private var mergeRun = 1
    /// Statements the next query starts with (releasing the last savepoint).
    private var pending = ""
    private var temporaryTableExists = false

    static let temporaryTable = "pg_temp.sluice_upsert_rows"

    init(target: PostgresTable, mode: PostgresSinkMode, columns: [String]) {
        self.target = target
        self.mode = mode
        self.columns = columns
        let key = Set(mode.key)
        keyConstraint = target.constraints.first { constraint in
            if case .unique = constraint.kind { return Set(constraint.columns) == key } else { return false }
        }?.name
    }

    /// Opens the run's transaction. Deferred constraints are checked with each statement, so
    /// that a row they refuse is found like any other.
    static func begin(on connection: PostgresConnection) throws {
        _ = try connection.simpleQuery("BEGIN; SET CONSTRAINTS ALL IMMEDIATE")
    }

    /// Loads `rows`; returns the refused ones with the server's reason.
    mutating func load(_ rows: [Row], on connection: PostgresConnection) throws -> [Refusal] {
        let list = columns.map(PostgresTable.quoted).joined(separator: ", ")
        guard case .upsert = mode, let keyConstraint else {
            return try copy(rows, into: "\(target.qualifiedName) (\(list))", on: connection)
        }
        if mergesAhead > 0 {
            mergesAhead -= 1
            return try merge(rows, on: connection)
        }
        do {
            let refused = try copy(rows, into: "\(target.qualifiedName) (\(list))", on: connection, conflictOn: keyConstraint)
            mergeRun = 1
            return refused
        } catch is KeyConflict {
            mergesAhead = mergeRun - 1
            mergeRun = min(mergeRun * 2, 64)
            return try merge(rows, on: connection)
        }
    }

    /// Thrown when an upsert's insert meets a key already present: the batch is merged instead.
    struct KeyConflict: Error {}

    /// COPYs `rows` into `destination` (a table and its column list) under savepoints, taking
    /// refused rows out; the rest land.
    private mutating func copy(_ rows: [Row], into destination: String, on connection: PostgresConnection,
                               conflictOn keyConstraint: String? = nil, suffix: ((Int) -> [UInt8])? = nil) throws -> [Refusal] {
        var refused: [Refusal] = []
        // Parts still to load, the next one last.
        var parts: [ArraySlice<Row>] = [rows[...]]
        while var part = parts.popLast() {
            while !part.isEmpty {
                do {
                    try connection.copyIn(pending + "SAVEPOINT sluice_rows; COPY \(destination) FROM STDIN",
                                          data: part.lazy.map { row in
                                              var line = row.text
                                              if let suffix { line += suffix(row.element) }
                                              line.append(UInt8(ascii: "\n"))
                                              return line
                                          })
                    pending = "RELEASE SAVEPOINT sluice_rows; "
                    break
                } catch let error as PostgresError {
                    _ = try connection.simpleQuery("ROLLBACK TO SAVEPOINT sluice_rows; RELEASE SAVEPOINT sluice_rows")
                    pending = ""
                    if let keyConstraint, error.sqlState == "23505", error.constraint == keyConstraint { throw KeyConflict() }
                    if let line = error.copyLine, line >= 1, line <= part.count {
                        let index = part.index(part.startIndex, offsetBy: line - 1)
                        refused.append(Refusal(element: part[index].element, error: error))
                        part = ArraySlice(part[..<index] + part[(index + 1)...])
                    } else if part.count == 1 {
                        refused.append(Refusal(element: part[part.startIndex].element, error: error))
                        part = []
                    } else {
                        // No line named (a foreign key is checked when the statement ends): halves.
                        let middle = part.startIndex + part.count / 2
                        parts.append(part[middle...])
                        parts.append(part[..<middle])
                        part = []
                    }
                }
            }
        }
        return refused.sorted { $0.element < $1.element }
    }

    /// Upserts `rows` through the temporary table: the last row of a key wins.
    private mutating func merge(_ rows: [Row], on connection: PostgresConnection) throws -> [Refusal] {
        if !temporaryTableExists {
            _ = try connection.simpleQuery(pending + """
                CREATE TEMPORARY TABLE sluice_upsert_rows (LIKE \(target.qualifiedName) INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                    _sluice_seq int NOT NULL) ON COMMIT DROP
                """)
            pending = ""
            temporaryTableExists = true
        }
        let quoted = columns.map(PostgresTable.quoted)
        let list = quoted.joined(separator: ", ")
        var refused = try copy(rows, into: "\(Self.temporaryTable) (\(list), _sluice_seq)", on: connection,
                               suffix: { Array("\t\($0)".utf8) })
        let found = try PostgresConstraintCheck(target: target, mode: mode, columns: columns, staged: Self.temporaryTable, batch: "true")
            .run(on: connection)
        if !found.isEmpty {
            _ = try connection.simpleQuery("DELETE FROM \(Self.temporaryTable) WHERE _sluice_seq IN (\(found.keys.map(String.init).joined(separator: ",")))")
            refused += found.map { Refusal(element: Int($0.key), reason: $0.value, column: nil) }
        }
        let key = mode.key.map(PostgresTable.quoted)
        let others = quoted.filter { !key.contains($0) }
        let action = others.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + others.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        _ = try connection.simpleQuery("""
            INSERT INTO \(target.qualifiedName) (\(list)) SELECT DISTINCT ON (\(key.joined(separator: ", "))) \(list) FROM \(Self.temporaryTable)
            ORDER BY \(key.joined(separator: ", ")), _sluice_seq DESC ON CONFLICT (\(key.joined(separator: ", "))) \(action);
            TRUNCATE \(Self.temporaryTable)
            """)
        return refused.sorted { $0.element < $1.element }
    }

    /// Records the run in the commits table inside its transaction: after a connection lost
    /// during COMMIT, the record says whether the load happened.
    mutating func prepareCommit(_ transaction: PostgresSinkTransaction, on connection: PostgresConnection) throws {
        _ = try connection.simpleQuery(pending + PostgresMerge.recordStatement(transaction))
        pending = ""
    }

    /// Commits the run, or finds out from the commits table, on a new session, that a COMMIT
    /// whose answer was lost went through.
    static func commit(_ transaction: PostgresSinkTransaction, on connection: PostgresConnection,
                       configuration: PostgresConfiguration, retry: RetryPolicy) throws {
        do {
            _ = try connection.simpleQuery("COMMIT")
        } catch where PostgresReconnection.isTransient(error) {
            var attempt = 1
            while true {
                do {
                    let session = try PostgresConnection(configuration)
                    defer { session.close() }
                    guard try PostgresMerge.isRecorded(transaction, on: session) else {
                        throw RecordError("the connection to \(configuration) was lost while committing the load into \(transaction.table), and the commit did not happen: nothing was written (\(error))")
                    }
                    return
                } catch let lookup where PostgresReconnection.isTransient(lookup) && attempt < retry.maxAttempts {
                    Thread.sleep(forTimeInterval: PostgresReconnection.backoffSeconds(attempt, retry))
                    attempt += 1
                }
            }
        }
    }
}

import Foundation
import SluiceCore
import SluiceConnectors

/// How a ``PostgresSink`` without checkpoints loads: the whole run is one transaction on the
/// writer's session, and rows are COPYed straight into the table — the server writes each
/// row once, where a staging table and a merge would write it twice. The rows of many writes
/// share one COPY (a window of up to 32,768 rows): each COPY statement costs the server a
/// fresh bulk-write buffer ring. A window runs under a savepoint; when the server refuses a
/// row, the window is rolled back and loaded again without it — the row found by the line
/// the error names or, for a foreign key (checked when the statement ends), by splitting
/// the rows in halves. Upserts insert first: a window whose keys are already in the table
/// is rolled back and merged through a temporary table and `INSERT … ON CONFLICT`. The
/// commit records the run in `sluice_commits`, so that a connection lost during COMMIT can
/// ask whether it happened.
///
/// A class: its window grows over many writes and must not be copied along with the writer
/// a blocking call copies.
final class PostgresDirectLoad {
    /// One row's COPY text (no line end) and its element's index in the writer's window.
    typealias Row = (element: Int, text: ArraySlice<UInt8>)

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

    /// Rows a window holds at most: the server pays for each COPY statement (a new bulk-write
    /// buffer ring whose reuse flushes WAL), so few large ones load fastest.
    static let windowRows = 32_768
    /// Bytes of COPY text a window holds at most; its rows are kept for a retry.
    static let windowBytes = 8 << 20

    /// The lines of the open COPY, one after another, kept in case the server refuses one;
    /// the part of it not sent yet starts at `sent`.
    private var windowText: [UInt8] = []
    private var sent = 0
    /// Each row of the window: its element and where its text (without line end) lies.
    private var windowRows: [(element: Int, start: Int, end: Int)] = []
    /// Whether the open window goes to the temporary table to be merged (an upsert whose
    /// recent inserts met existing keys) rather than straight into the table.
    private var windowMerges = false

    /// Whether the window should be ended now.
    var isWindowFull: Bool { windowRows.count >= Self.windowRows || windowText.count >= Self.windowBytes }
    var hasOpenWindow: Bool { !windowRows.isEmpty }

    private var columnList: String { columns.map(PostgresTable.quoted).joined(separator: ", ") }
    private var directDestination: String { "\(target.qualifiedName) (\(columnList))" }
    private var mergeDestination: String { "\(Self.temporaryTable) (\(columnList), _sluice_seq)" }

    /// Adds one row to the open window, opening one under a savepoint when none is: `write`
    /// appends its COPY text (without line end) — when it throws, nothing is added and the
    /// error is rethrown. `element` identifies the row in refusals.
    func appendRow(element: Int, on connection: PostgresConnection, _ write: (inout [UInt8]) throws -> Void) throws {
        if windowRows.isEmpty {
            windowMerges = false
            if case .upsert = mode, keyConstraint != nil, mergesAhead > 0 {
                mergesAhead -= 1
                windowMerges = true
                try createTemporaryTable(on: connection)
            }
            try connection.startCopyIn(pending + "SAVEPOINT sluice_rows; COPY \(windowMerges ? mergeDestination : directDestination) FROM STDIN")
            pending = ""
            windowText.removeAll(keepingCapacity: true)
            sent = 0
        }
        let start = windowText.count
        do {
            try write(&windowText)
        } catch {
            windowText.removeSubrange(start...)
            throw error
        }
        windowRows.append((element, start, windowText.count))
        if windowMerges { Self.appendSequence(element, to: &windowText) }
        windowText.append(UInt8(ascii: "\n"))
        if windowText.count - sent >= 16_384 {
            try connection.sendCopyData(windowText[sent...])
            sent = windowText.count
        }
    }

    /// Ends the open window: its rows land, but those the table refuses, which are returned.
    func endWindow(on connection: PostgresConnection) throws -> [Refusal] {
        guard !windowRows.isEmpty else { return [] }
        let text = windowText
        let rows = windowRows.map { (element: $0.element, text: text[$0.start..<$0.end]) }
        windowRows.removeAll(keepingCapacity: true)
        var firstError: PostgresError?
        do {
            try connection.sendCopyData(text[sent...])
            try connection.endCopyIn()
            pending = "RELEASE SAVEPOINT sluice_rows; "
        } catch let error as PostgresError {
            firstError = error
        }
        if windowMerges {
            let refused = try firstError.map { try retry(rows[...], after: $0, into: mergeDestination, merging: true, on: connection) } ?? []
            return try merge(refused: refused, on: connection)
        }
        guard let firstError else {
            mergeRun = 1
            return []
        }
        do {
            return try retry(rows[...], after: firstError, into: directDestination, merging: false, on: connection,
                             conflictOn: keyConstraint)
        } catch is KeyConflict {
            // Keys already in the table: this window is merged, and the next ones too, for
            // a number of windows that doubles while inserts keep meeting existing keys.
            mergesAhead = mergeRun - 1
            mergeRun = min(mergeRun * 2, 64)
            try createTemporaryTable(on: connection)
            let refused = try retry(rows[...], after: nil, into: mergeDestination, merging: true, on: connection)
            return try merge(refused: refused, on: connection)
        }
    }

    /// Thrown when an upsert's insert meets a key already present: the window is merged instead.
    struct KeyConflict: Error {}

    private static func line(_ row: Row, merging: Bool) -> [UInt8] {
        var line = Array(row.text)
        if merging { appendSequence(row.element, to: &line) }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// The temporary table's `_sluice_seq` column: the row's element, whose last row wins.
    private static func appendSequence(_ element: Int, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\t"))
        line.append(contentsOf: String(element).utf8)
    }

    /// Loads `rows` with COPYs under savepoints after `error` refused the first attempt (or
    /// from the start without one), taking refused rows out: a row the server names by its
    /// line, or, when it names none (a foreign key is checked when the statement ends), the
    /// rows split in halves until the refused ones are alone.
    private func retry(_ rows: ArraySlice<Row>, after error: PostgresError?, into destination: String, merging: Bool,
                                on connection: PostgresConnection, conflictOn keyConstraint: String? = nil) throws -> [Refusal] {
        var refused: [Refusal] = []
        // Parts still to load, the next one last.
        var parts: [ArraySlice<Row>] = []
        var part = rows
        var failure = error
        while true {
            if let error = failure {
                failure = nil
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
                    let middle = part.startIndex + part.count / 2
                    parts.append(part[middle...])
                    parts.append(part[..<middle])
                    part = []
                }
            }
            if part.isEmpty {
                guard let next = parts.popLast() else { break }
                part = next
            }
            do {
                try connection.copyIn(pending + "SAVEPOINT sluice_rows; COPY \(destination) FROM STDIN",
                                      data: part.lazy.map { Self.line($0, merging: merging) })
                pending = "RELEASE SAVEPOINT sluice_rows; "
                part = []
            } catch let error as PostgresError {
                failure = error
            }
        }
        return refused
    }

    private func createTemporaryTable(on connection: PostgresConnection) throws {
        guard !temporaryTableExists else { return }
        _ = try connection.simpleQuery(pending + """
            CREATE TEMPORARY TABLE sluice_upsert_rows (LIKE \(target.qualifiedName) INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                _sluice_seq int NOT NULL) ON COMMIT DROP
            """)
        pending = ""
        temporaryTableExists = true
    }

    /// Upserts what the temporary table holds — the last row of a key wins — after taking
    /// out the rows a foreign key refuses; returns those with `refused`.
    private func merge(refused: [Refusal], on connection: PostgresConnection) throws -> [Refusal] {
        var refused = refused
        let found = try PostgresConstraintCheck(target: target, mode: mode, columns: columns, staged: Self.temporaryTable, batch: "true")
            .run(on: connection)
        if !found.isEmpty {
            _ = try connection.simpleQuery("DELETE FROM \(Self.temporaryTable) WHERE _sluice_seq IN (\(found.keys.map(String.init).joined(separator: ",")))")
            refused += found.map { Refusal(element: Int($0.key), reason: $0.value, column: nil) }
        }
        let quoted = columns.map(PostgresTable.quoted)
        let key = mode.key.map(PostgresTable.quoted)
        let others = quoted.filter { !key.contains($0) }
        let action = others.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + others.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        _ = try connection.simpleQuery(pending + """
            INSERT INTO \(target.qualifiedName) (\(columnList)) SELECT DISTINCT ON (\(key.joined(separator: ", "))) \(columnList)
            FROM \(Self.temporaryTable) ORDER BY \(key.joined(separator: ", ")), _sluice_seq DESC ON CONFLICT (\(key.joined(separator: ", "))) \(action);
            TRUNCATE \(Self.temporaryTable)
            """)
        pending = ""
        return refused
    }

    /// Records the run in the commits table inside its transaction: after a connection lost
    /// during COMMIT, the record says whether the load happened.
    func prepareCommit(_ transaction: PostgresSinkTransaction, on connection: PostgresConnection) throws {
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
            let recorded = try PostgresReconnection.retryingBlocking(retry) { _ in
                let session = try PostgresConnection(configuration)
                defer { session.close() }
                return try PostgresMerge.isRecorded(transaction, on: session)
            }
            guard recorded else {
                throw RecordError("the connection to \(configuration) was lost while committing the load into \(transaction.table), and the commit did not happen: nothing was written (\(error))")
            }
        }
    }
}

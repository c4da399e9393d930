import SluiceNetwork
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceCrypto

/// Reads the rows of a query, decoded by column name into `Output`, in batches through a
/// portal (bounded memory whatever the result's size).
///
/// With a ``PostgresCursor`` the source is incremental: its position (the cursor values of
/// the last row emitted, and which rows at exactly those values were emitted) is kept in
/// checkpoints, so a resumed run reads only rows it has not emitted. With ``PostgresPolling``
/// it never ends: after reading to the end it waits and reads what is new. A dropped
/// connection or a restarted server is reconnected to with backoff, and the query resumes
/// from the position. Cancelling the run cancels the running query on the server.
public struct PostgresSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let configuration: PostgresConfiguration
    let query: String
    let parameters: [String?]
    let cursor: PostgresCursor?
    let polling: PostgresPolling?
    let fetchSize: Int
    let retry: RetryPolicy

    init(configuration: PostgresConfiguration, query: String, parameters: [String?], cursor: PostgresCursor?,
         polling: PostgresPolling?, fetchSize: Int, retry: RetryPolicy) {
        self.configuration = configuration
        self.query = query
        self.parameters = parameters
        self.cursor = cursor
        self.polling = polling
        self.fetchSize = fetchSize
        self.retry = retry
    }

    /// `postgres`.
    public var defaultName: String { "postgres" }
    /// The server and database (never the password) and the query's start.
    public var detail: String { "\(configuration) " + Self.shortened(query) }
    /// One reader: a query's rows have one order.
    public var maximumParallelism: Int? { 1 }

    static func shortened(_ query: String) -> String {
        let oneLine = query.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return oneLine.count <= 60 ? oneLine : oneLine.prefix(57) + "…"
    }

    /// Checks the settings; the connection opens on the first read.
    public func makeReader(_ context: StageContext) throws -> Reader {
        guard fetchSize > 0 else { throw RecordError("the fetch size must be positive, not \(fetchSize)") }
        if polling != nil, cursor == nil {
            throw RecordError("polling \(configuration) needs a cursor (cursor: PostgresCursor(\"updated_at\", \"id\")): without one, every poll would read every row again")
        }
        if let cursor, cursor.columns.isEmpty { throw RecordError("a cursor needs at least one column") }
        return Reader(stage: self, chunkSize: context.chunkSize)
    }

    /// Where the source is: the cursor values of the last row emitted and the digests of the
    /// rows emitted at exactly those values; without a cursor, the number of rows emitted.
    public struct Position: Codable, Sendable, Equatable {
        /// The last emitted row's cursor values, as the server wrote them; `nil` before any.
        public var cursor: [String]?
        /// Digest → how many rows with that content were emitted at ``cursor``.
        public var emittedAtCursor: [String: Int] = [:]
        /// Rows emitted, for a query without a cursor.
        public var emitted: Int = 0
    }

    /// The running form of ``PostgresSource``.
    public struct Reader: CheckpointableSourceReader {
        let stage: PostgresSource
        let chunkSize: Int
        var connection: PostgresConnection?
        var current = Position()
        /// Rows fetched but not yet emitted.
        var pending: ArraySlice<PostgresRow> = []
        /// At the open query's start: how many rows at the position's cursor to skip, by digest.
        var toSkip: [String: Int] = [:]
        /// Rows emitted at ``Position/cursor`` whose digests are not yet in the position.
        var undigested: [PostgresRow] = []
        /// Rows of the open query already skipped (no cursor: the emitted count on a re-read).
        var skipRows = 0
        /// The open query's row number, for error locations.
        var rowNumber = 0
        var nullCheckDone = false
        var readOnce = false
        var queryRunning = false
        var nextPoll: ContinuousClock.Instant?

        init(stage: PostgresSource, chunkSize: Int) {
            self.stage = stage
            self.chunkSize = chunkSize
        }

        public func position() throws -> Position {
            var position = current
            for row in undigested { position.emittedAtCursor[Self.digest(row), default: 0] += 1 }
            return position
        }

        /// Digests the rows emitted at the cursor so far: done lazily, because with a unique
        /// cursor every row starts a new value and its digest is never needed unless a
        /// checkpoint falls right after it.
        mutating func foldDigests() {
            for row in undigested { current.emittedAtCursor[Self.digest(row), default: 0] += 1 }
            undigested = []
        }

        public mutating func restore(to position: Position) throws {
            current = position
            undigested = []
        }

        public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            try Task.checkCancellation()
            if pending.isEmpty {
                if !queryRunning {
                    if readOnce {
                        guard let polling = stage.polling else {
                            await close()
                            return false
                        }
                        let now = ContinuousClock.now
                        if let due = nextPoll, due > now {
                            // Short naps, so that checkpoints and cancellation are not held up.
                            try await Task.sleep(for: min(due - now, .milliseconds(250)))
                            return true
                        }
                        guard try await enoughNewRows(polling) else {
                            nextPoll = now + polling.interval
                            return true
                        }
                    }
                    try await startQuery()
                    queryRunning = true
                }
                let rows = try await fetch()
                if connection?.hasOpenQuery != true {
                    queryRunning = false
                    readOnce = true
                    nextPoll = stage.polling.map { ContinuousClock.now + $0.interval }
                }
                pending = (rows ?? [])[...]
                if pending.isEmpty { return true }
            }
            let taken = pending.prefix(limit)
            pending = pending.dropFirst(taken.count)
            for row in taken { try emit(row, into: &output) }
            return true
        }

        mutating func emit(_ row: PostgresRow, into output: inout Emitter<Output>) throws {
            rowNumber += 1
            guard let cursor = stage.cursor else {
                if skipRows > 0 { skipRows -= 1; return }
                current.emitted += 1
                try deliver(row, into: &output)
                return
            }
            var values: [String] = []
            values.reserveCapacity(cursor.columns.count)
            for name in cursor.columns {
                guard let index = row.columns.index(of: name) else {
                    throw RecordError("the cursor column '\(name)' is not in the result of \(stage.detail) (it has \(row.columns.names.joined(separator: ", ")))")
                }
                guard let text = row[text: index] else {
                    throw RecordError("the cursor column '\(name)' is NULL in row \(rowNumber) of \(stage.detail): incremental reading needs a value in every cursor column; make it NOT NULL or COALESCE it in the query")
                }
                values.append(text)
            }
            if values == current.cursor {
                if !toSkip.isEmpty {
                    // Rows at the restored position: skip the ones emitted before.
                    let digest = Self.digest(row)
                    if let remaining = toSkip[digest], remaining > 0 {
                        toSkip[digest] = remaining - 1
                        return
                    }
                    current.emittedAtCursor[digest, default: 0] += 1
                } else {
                    undigested.append(row)
                    if undigested.count >= 64 { foldDigests() }
                }
            } else {
                current.cursor = values
                current.emittedAtCursor = [:]
                undigested = [row]
                toSkip = [:]
            }
            try deliver(row, into: &output)
        }

        func deliver(_ row: PostgresRow, into output: inout Emitter<Output>) throws {
            do {
                output.emit(try row.decode(Output.self))
            } catch {
                let field = (error as? PostgresDecodingError)?.column
                try output.reject(error, rawInput: row.rawText,
                              location: SourceLocation(origin: stage.detail, line: rowNumber, field: field))
            }
        }

        /// A row's content, to recognise it among rows with the same cursor values.
        static func digest(_ row: PostgresRow) -> String {
            var sha = SHA256()
            for value in row.values {
                if let value {
                    var length = UInt32(value.count).bigEndian
                    withUnsafeBytes(of: &length) { sha.update(Array($0)) }
                    sha.update(value)
                } else {
                    sha.update([0xFF, 0xFF, 0xFF, 0xFF])
                }
            }
            return hexadecimal(Array(sha.finalize().prefix(16)))
        }

        /// The query with the cursor's condition and order, and its parameters.
        func statement() -> (sql: String, parameters: [String?]) {
            guard let cursor = stage.cursor else { return (stage.query, stage.parameters) }
            let columns = cursor.columns.map(Self.quoted).joined(separator: ", ")
            var sql = "SELECT * FROM (\(stage.query)) AS sluice_source"
            var parameters = stage.parameters
            if let last = current.cursor {
                let placeholders = last.indices.map { "$\(stage.parameters.count + $0 + 1)" }.joined(separator: ", ")
                sql += cursor.columns.count == 1 ? " WHERE \(columns) >= \(placeholders)" : " WHERE (\(columns)) >= (\(placeholders))"
                parameters += last.map { Optional($0) }
            }
            return (sql + " ORDER BY \(columns)", parameters)
        }

        static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

        /// Opens a connection when there is none, checks the cursor columns once, and starts
        /// the query from the position; retried after transient failures.
        mutating func startQuery() async throws {
            let (sql, parameters) = statement()
            let fetchSize = min(stage.fetchSize, max(chunkSize, 1) * 4)
            let nullCheck = nullCheckDone ? nil : nullCheckStatement()
            let configuration = stage.configuration
            let connection = try await PostgresReconnection.retrying(stage.retry) { _ in
                let existing = BlockingCall.Handed(value: self.connection)
                // Connecting waits for the server: off the cooperative threads.
                let opened = try await BlockingCall.run { BlockingCall.Handed(value: try existing.value ?? PostgresConnection(configuration)) }
                let connection = opened.value
                self.connection = connection
                do {
                    if let nullCheck {
                        var found: String?
                        try connection.query(nullCheck, parameters: stage.parameters) { rows in found = rows.first?.rawText }
                        if let found {
                            throw RecordError("a cursor column is NULL in a row of \(stage.detail) (\(found)): incremental reading needs a value in every cursor column; make them NOT NULL or COALESCE them in the query")
                        }
                    }
                    try connection.startQuery(sql, parameters: parameters, fetchSize: fetchSize)
                    return connection
                } catch {
                    self.connection = nil
                    connection.close()
                    throw error
                }
            }
            nullCheckDone = true
            self.connection = connection
            foldDigests()
            toSkip = current.emittedAtCursor
            skipRows = stage.cursor == nil ? current.emitted : 0
            if stage.cursor == nil { current.emitted = 0 }
            rowNumber = 0
        }

        func nullCheckStatement() -> String? {
            guard let cursor = stage.cursor else { return nil }
            let condition = cursor.columns.map { Self.quoted($0) + " IS NULL" }.joined(separator: " OR ")
            return "SELECT * FROM (\(stage.query)) AS sluice_source WHERE \(condition) LIMIT 1"
        }

        mutating func openConnection() throws -> PostgresConnection {
            if let connection { return connection }
            let connection = try PostgresConnection(stage.configuration)
            self.connection = connection
            return connection
        }

        /// The next batch of the open query; after a transient failure the query starts again
        /// from the position on a new session. Cancelling the task cancels the query.
        mutating func fetch() async throws -> [PostgresRow]? {
            var attempt = 1
            while true {
                guard let connection else { try await startQuery(); continue }
                do {
                    try Task.checkCancellation()
                    let cancelling = QueryCancellation(connection.canceller)
                    defer { cancelling.finish() }
                    return try await withTaskCancellationHandler {
                        try await BlockingCall.run { try connection.nextRows() }
                    } onCancel: {
                        cancelling.start()
                    }
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    guard PostgresReconnection.isTransient(error), attempt < stage.retry.maxAttempts else {
                        throw RecordError("reading \(stage.detail) failed: \(error)")
                    }
                    connection.close()
                    self.connection = nil
                    try await Task.sleep(for: PostgresReconnection.backoff(attempt, stage.retry))
                    attempt += 1
                    try await startQuery()
                }
            }
        }

        /// Whether at least the polling's minimum of rows are past the cursor.
        mutating func enoughNewRows(_ polling: PostgresPolling) async throws -> Bool {
            guard polling.minimumNewRows > 1, let cursor = stage.cursor, let last = current.cursor else { return true }
            let columns = cursor.columns.map(Self.quoted).joined(separator: ", ")
            let placeholders = last.indices.map { "$\(stage.parameters.count + $0 + 1)" }.joined(separator: ", ")
            let condition = cursor.columns.count == 1 ? "\(columns) > \(placeholders)" : "(\(columns)) > (\(placeholders))"
            let sql = "SELECT count(*) FROM (SELECT 1 FROM (\(stage.query)) AS sluice_source WHERE \(condition) LIMIT \(polling.minimumNewRows)) AS new_rows"
            let parameters = stage.parameters + last.map { Optional($0) }
            let count = try await PostgresReconnection.retrying(stage.retry) { _ in
                let connection = try openConnection()
                do {
                    var count = 0
                    try connection.query(sql, parameters: parameters) { rows in count = try rows.first?.decode(Int.self) ?? 0 }
                    return count
                } catch {
                    if PostgresReconnection.isTransient(error) { connection.close(); self.connection = nil }
                    throw error
                }
            }
            return count >= polling.minimumNewRows
        }

        public mutating func close() async {
            if let connection {
                if connection.hasOpenQuery {
                    // Stop the query on the server rather than wait for the rest of its rows.
                    let cancelling = QueryCancellation(connection.canceller)
                    cancelling.start()
                    try? connection.endQuery()
                    cancelling.finish()
                }
                connection.close()
            }
            connection = nil
        }
    }
}

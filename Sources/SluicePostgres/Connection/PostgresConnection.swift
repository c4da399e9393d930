/// A session with a PostgreSQL server over its protocol 3.0: it connects, authenticates (trust,
/// cleartext, md5 or SCRAM-SHA-256) and runs queries. Blocking, like the file readers: one
/// connection per task.
///
/// ```swift
/// let connection = try PostgresConnection(PostgresConfiguration(url: "postgres://app:secret@localhost/shop"))
/// let result = try connection.simpleQuery("SELECT id, name FROM customers")
/// for row in result.rows { print(row[0] ?? "NULL", row[1] ?? "NULL") }
/// connection.close()
/// ```
public final class PostgresConnection {
    /// The rows and outcome of one statement of a simple query.
    public struct Result: Sendable, Equatable {
        /// The columns' names, in order.
        public var columns: [String]
        /// The rows, each value as text (PostgreSQL's text format); `nil` for NULL.
        public var rows: [[String?]]
        /// The command tag (`SELECT 2`, `INSERT 0 1`).
        public var commandTag: String
    }

    /// The server's run-time parameters (`server_version`, `TimeZone`, …).
    public private(set) var parameters: [String: String] = [:]
    /// The session's process ID and secret key, for cancel requests.
    public private(set) var backendKey: (processID: Int32, secretKey: Int32)?
    /// Notices the server sent, oldest first.
    public private(set) var notices: [PostgresError] = []

    private let socket: PostgresSocket
    private let configuration: PostgresConfiguration
    private var reader = BackendMessageReader()

    /// Whether this is a logical replication session (`replication=database`).
    public let isReplication: Bool

    /// Connects and authenticates; throws ``PostgresConnectionError`` or ``PostgresError``.
    public convenience init(_ configuration: PostgresConfiguration) throws {
        try self.init(configuration, replication: false)
    }

    /// Connects and authenticates, as a logical replication session when `replication` is
    /// true: such a session takes replication commands (`IDENTIFY_SYSTEM`,
    /// `CREATE_REPLICATION_SLOT`, `START_REPLICATION`) besides SQL.
    public init(_ configuration: PostgresConfiguration, replication: Bool) throws {
        self.configuration = configuration
        isReplication = replication
        socket = try PostgresSocket(host: configuration.host, port: configuration.port, timeout: configuration.timeout)
        do {
            try authenticate()
        } catch {
            socket.close()
            throw error
        }
    }

    func send(_ message: FrontendMessage) throws { try socket.send(try message.encoded()) }

    /// The next message, waiting at most `wait` seconds for one to begin; `nil` when none did.
    /// A replication stream is quiet between changes: quiet is not an error there.
    func receive(waitingAtMost wait: Double) throws -> BackendMessage? {
        if reader.hasBufferedBytes || socket.isReadable(within: wait) { return try receive() }
        return nil
    }

    func receive() throws -> BackendMessage {
        while true {
            if let message = try reader.next() {
                if case .noticeResponse(let fields) = message {
                    notices.append(PostgresError(fields: fields))
                    continue
                }
                return message
            }
            reader.append(try socket.receive(timeout: configuration.timeout))
        }
    }

    private func authenticate() throws {
        try send(.startup(user: configuration.user, parameters: (isReplication ? [("replication", "database")] : []) + [("database", configuration.database),
                                                                 ("application_name", configuration.applicationName),
                                                                 ("client_encoding", "UTF8"),
                                                                 // Values are parsed as text: fix the forms they take.
                                                                 ("DateStyle", "ISO, YMD"), ("TimeZone", "UTC"),
                                                                 ("extra_float_digits", "3"), ("bytea_output", "hex")]))
        var scram: SCRAMSHA256Client?
        while true {
            let message = try receive()
            switch message {
            case .authentication(.ok):
                break
            case .authentication(.cleartextPassword):
                try send(.password(try password()))
            case .authentication(.md5Password(let salt)):
                try send(.password(MD5Password.response(user: configuration.user, password: try password(), salt: salt)))
            case .authentication(.sasl(let mechanisms)):
                guard mechanisms.contains("SCRAM-SHA-256") else {
                    throw PostgresConnectionError("the server offers SASL mechanisms \(mechanisms.joined(separator: ", ")), but not SCRAM-SHA-256")
                }
                let client = SCRAMSHA256Client(password: try password())
                scram = client
                try send(.saslInitialResponse(mechanism: "SCRAM-SHA-256", data: Array(client.clientFirstMessage.utf8)))
            case .authentication(.saslContinue(let data)):
                guard var client = scram else { throw PostgresProtocolError("the server continued a SASL exchange that was not started") }
                let final = try client.clientFinalMessage(serverFirst: String(decoding: data, as: UTF8.self))
                scram = client
                try send(.saslResponse(Array(final.utf8)))
            case .authentication(.saslFinal(let data)):
                guard let client = scram else { throw PostgresProtocolError("the server ended a SASL exchange that was not started") }
                try client.verify(serverFinal: String(decoding: data, as: UTF8.self))
            case .authentication(.unsupported(let code)):
                throw PostgresConnectionError("the server asks for an authentication method this client does not support (code \(code)); use scram-sha-256, md5, password or trust in pg_hba.conf")
            case .parameterStatus(let name, let value):
                parameters[name] = value
            case .backendKeyData(let processID, let secretKey):
                backendKey = (processID, secretKey)
            case .readyForQuery:
                return
            case .errorResponse(let fields):
                throw PostgresError(fields: fields)
            default:
                throw PostgresProtocolError("unexpected message while connecting: \(message)")
            }
        }
    }

    private func password() throws -> String {
        guard let password = configuration.password else {
            throw PostgresConnectionError("the server asks \(configuration.user) for a password, and none was given (in the URL or PGPASSWORD)")
        }
        return password
    }

    /// Runs `sql` (one or more statements) in the simple protocol; returns each statement's
    /// result. A failing statement throws its ``PostgresError`` after the server is ready again.
    public func simpleQuery(_ sql: String) throws -> [Result] {
        try send(.query(sql))
        var results: [Result] = []
        var columns: [String] = [], rows: [[String?]] = []
        var failure: PostgresError?
        while true {
            switch try receive() {
            case .rowDescription(let description):
                columns = description.map(\.name)
                rows = []
            case .dataRow(let values):
                rows.append(try text(of: values, columns: columns.count))
            case .commandComplete(let tag):
                results.append(Result(columns: columns, rows: rows, commandTag: tag))
                columns = []
                rows = []
            case .emptyQueryResponse:
                results.append(Result(columns: [], rows: [], commandTag: ""))
            case .errorResponse(let fields):
                failure = PostgresError(fields: fields)
            case .parameterStatus(let name, let value):
                parameters[name] = value
            case .readyForQuery:
                if let failure { throw failure }
                return results
            case .copyInResponse:
                try send(.copyFail("COPY FROM STDIN is not supported through simpleQuery"))
            case .copyOutResponse:
                // Its data would be dropped here: the query fails instead, after the server is ready.
                failure = failure ?? PostgresError(fields: [UInt8(ascii: "C"): "0A000",
                                                            UInt8(ascii: "M"): "COPY TO STDOUT returns its data through copyOut, not simpleQuery"])
            default:
                continue
            }
        }
    }

    /// Runs `sql` in the extended protocol with `parameters` (`$1`, `$2`, … as text; `nil` for
    /// NULL) and hands the rows to `body` in batches of at most `fetchSize`, read through a
    /// portal: a result of any size streams in bounded memory. Decode rows with
    /// ``PostgresRow/decode(_:)`` or ``PostgresRow/record()``. Returns the command tag. An error
    /// from the server or from `body` ends the query (the session goes on) and is thrown.
    @discardableResult
    public func query(_ sql: String, parameters: [String?] = [], fetchSize: Int = 1_000,
                      _ body: (_ rows: [PostgresRow]) throws -> Void) throws -> String {
        try startQuery(sql, parameters: parameters, fetchSize: fetchSize)
        do {
            while let rows = try nextRows() { try body(rows) }
        } catch let error as PostgresError {
            throw error
        } catch let error as PostgresProtocolError {
            throw error
        } catch let error as PostgresConnectionError {
            throw error
        } catch {
            // `body` failed: end the query on the server, and keep the session usable.
            try endQuery()
            throw error
        }
        return lastCommandTag
    }

    /// The query whose rows ``nextRows()`` reads.
    struct OpenQuery {
        var columns = PostgresColumns(names: [], types: [])
        let fetchSize: Int32
        var delivered = 0
    }

    private var openQuery: OpenQuery?

    /// The command tag of the last query read to its end.
    public private(set) var lastCommandTag = ""

    /// Whether a query started with ``startQuery(_:parameters:fetchSize:)`` still has rows to read.
    public var hasOpenQuery: Bool { openQuery != nil }

    /// Starts `sql` in the extended protocol; read its rows with ``nextRows()``, batch by batch.
    /// Until they are read to the end (or ``endQuery()`` is called) the session runs nothing else.
    public func startQuery(_ sql: String, parameters: [String?] = [], fetchSize: Int = 1_000) throws {
        guard fetchSize > 0, fetchSize <= Int(Int32.max) else { throw PostgresConnectionError("the fetch size must be positive, not \(fetchSize)") }
        guard openQuery == nil else { throw PostgresConnectionError("another query's rows are still being read on this session") }
        try socket.send(try FrontendMessage.parse(name: "", query: sql, parameterTypes: []).encoded()
            + FrontendMessage.bind(portal: "", statement: "", parameters: parameters.map { $0.map { Array($0.utf8) } },
                                   resultFormats: []).encoded()
            + FrontendMessage.describe(kind: UInt8(ascii: "P"), name: "").encoded()
            + FrontendMessage.execute(portal: "", maximumRows: Int32(fetchSize)).encoded()
            + FrontendMessage.flush.encoded())
        openQuery = OpenQuery(fetchSize: Int32(fetchSize))
    }

    /// The next batch of at most the fetch size of the open query's rows; `nil` once they are
    /// all read, when ``lastCommandTag`` has the query's tag. A server error ends the query and
    /// is thrown.
    public func nextRows() throws -> [PostgresRow]? {
        guard var query = openQuery else { return nil }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(min(Int(query.fetchSize), 65_536))
        defer { if openQuery != nil { openQuery = query } }
        while true {
            switch try receive() {
            case .parseComplete, .bindComplete, .noData:
                continue
            case .rowDescription(let description):
                query.columns = PostgresColumns(description)
            case .dataRow(let values):
                guard values.count == query.columns.count else {
                    openQuery = nil
                    throw PostgresProtocolError("a row has \(values.count) values for \(query.columns.count) columns")
                }
                rows.append(PostgresRow(columns: query.columns, values: values))
                query.delivered += 1
            case .portalSuspended:
                try socket.send(try FrontendMessage.execute(portal: "", maximumRows: query.fetchSize).encoded()
                                + FrontendMessage.flush.encoded())
                if !rows.isEmpty { return rows }
            case .commandComplete(let tag):
                openQuery = nil
                try send(.sync)
                try waitUntilReady()
                // The server counts only the last batch's rows; the query's are all of them.
                lastCommandTag = tag.hasPrefix("SELECT ") ? "SELECT \(query.delivered)" : tag
                return rows.isEmpty ? nil : rows
            case .emptyQueryResponse:
                openQuery = nil
                try send(.sync)
                try waitUntilReady()
                lastCommandTag = ""
                return nil
            case .errorResponse(let fields):
                openQuery = nil
                try send(.sync)
                try waitUntilReady()
                throw PostgresError(fields: fields)
            case .parameterStatus(let name, let value):
                self.parameters[name] = value
            case let other:
                openQuery = nil
                throw PostgresProtocolError("unexpected message during a query: \(other)")
            }
        }
    }

    /// Abandons the open query's remaining rows; the session is then ready for the next.
    public func endQuery() throws {
        guard openQuery != nil else { return }
        openQuery = nil
        try send(.sync)
        try waitUntilReady()
    }

    /// Reads until the server is ready for the next query, ignoring what the aborted query
    /// still sends.
    func waitUntilReady() throws {
        while true {
            switch try receive() {
            case .readyForQuery: return
            case .parameterStatus(let name, let value): parameters[name] = value
            default: continue
            }
        }
    }

    private func text(of values: [[UInt8]?], columns: Int) throws -> [String?] {
        guard values.count == columns else { throw PostgresProtocolError("a row has \(values.count) values for \(columns) columns") }
        return try values.map { value in
            guard let value else { return nil }
            guard let text = String(validating: value, as: UTF8.self) else {
                throw PostgresProtocolError("a value is not UTF-8 text although the session's encoding is UTF8")
            }
            return text
        }
    }

    /// Runs `COPY … TO STDOUT` and hands each piece of its data to `body` as the server sends
    /// it (a row per piece in text and CSV formats). Returns the command tag (`COPY 10`).
    @discardableResult
    public func copyOut(_ sql: String, _ body: ([UInt8]) throws -> Void) throws -> String {
        try send(.query(sql))
        var tag = "", failure: (any Error)?
        while true {
            switch try receive() {
            case .copyOutResponse, .copyDone:
                continue
            case .copyData(let data):
                guard failure == nil else { continue }
                do { try body(data) } catch {
                    // The server sends the rest anyway; it is read and dropped, then the error thrown.
                    failure = error
                }
            case .commandComplete(let completed):
                tag = completed
            case .errorResponse(let fields):
                failure = failure ?? PostgresError(fields: fields)
            case .parameterStatus(let name, let value):
                parameters[name] = value
            case .readyForQuery:
                if let failure { throw failure }
                return tag
            case .copyInResponse:
                try send(.copyFail("copyOut was given a COPY FROM statement"))
            case let other:
                throw PostgresProtocolError("unexpected message during COPY TO: \(other)")
            }
        }
    }

    /// Runs `COPY … FROM STDIN` with the pieces of `data` (rows of the COPY format).
    @discardableResult
    public func copyIn<Pieces: Sequence>(_ sql: String, data: Pieces) throws -> String where Pieces.Element == [UInt8] {
        var pieces = data.makeIterator()
        return try copyIn(sql) { pieces.next() }
    }

    /// Runs `COPY … FROM STDIN` and sends what `next` gives (pieces of the COPY format: rows of
    /// text or CSV) until it gives `nil`. An error thrown by `next` aborts the COPY (nothing
    /// is loaded) and is thrown; a row the server rejects fails the whole COPY with its
    /// ``PostgresError`` (its `where` names the line). `sql` may start with other statements
    /// (`SAVEPOINT s; COPY …`) as long as the COPY is the last. Returns the command tag
    /// (`COPY 10`).
    @discardableResult
    public func copyIn(_ sql: String, next: () throws -> [UInt8]?) throws -> String {
        try startCopyIn(sql)
        do {
            while let piece = try next() { try sendCopyData(piece) }
        } catch let error as PostgresConnectionError {
            throw error
        } catch {
            try failCopyIn("the data source failed: \(error)")
            throw error
        }
        return try endCopyIn()
    }

    /// Whether a COPY FROM STDIN is open: rows go with ``sendCopyData(_:)`` until
    /// ``endCopyIn()``.
    public var hasOpenCopy: Bool { copyBuffer != nil }
    /// The rows of the open COPY not sent yet.
    private var copyBuffer: [UInt8]?

    /// Starts `COPY … FROM STDIN` (after any statements before it in `sql`); its rows follow
    /// with ``sendCopyData(_:)``, and ``endCopyIn()`` completes it. A COPY can stay open over
    /// many calls, so that one statement loads rows produced over time.
    public func startCopyIn(_ sql: String) throws {
        guard copyBuffer == nil else { throw PostgresProtocolError("a COPY is already open on this session") }
        try send(.query(sql))
        while true {
            switch try receive() {
            case .copyInResponse:
                var buffer: [UInt8] = []
                buffer.reserveCapacity(20_000)
                copyBuffer = buffer
                return
            case .commandComplete:
                // `SAVEPOINT s; COPY …`: statements before the COPY complete first.
                continue
            case .errorResponse(let fields):
                try waitUntilReady()
                throw PostgresError(fields: fields)
            case .parameterStatus(let name, let value):
                parameters[name] = value
            case let other:
                throw PostgresProtocolError("unexpected message before COPY FROM data: \(other)")
            }
        }
    }

    /// Sends rows of the open COPY, in messages of about 16 KiB, so that the server reads the
    /// first rows while later ones are still being produced. A row the server refuses is
    /// reported by ``endCopyIn()``; rows sent after it are ignored by the server.
    public func sendCopyData<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws {
        guard copyBuffer != nil else { throw PostgresProtocolError("no COPY is open on this session") }
        copyBuffer!.append(contentsOf: bytes)
        if copyBuffer!.count >= 16_384 {
            try send(.copyData(copyBuffer!))
            copyBuffer!.removeAll(keepingCapacity: true)
        }
    }

    /// Completes the open COPY and returns its command tag (`COPY 10`), or throws the
    /// ``PostgresError`` of the row the server refused (nothing of the COPY is loaded then).
    @discardableResult
    public func endCopyIn() throws -> String {
        guard let rest = copyBuffer else { throw PostgresProtocolError("no COPY is open on this session") }
        copyBuffer = nil
        if !rest.isEmpty { try send(.copyData(rest)) }
        try send(.copyDone)
        return try copyInResult(failure: nil)
    }

    /// Abandons the open COPY: nothing of it is loaded.
    public func failCopyIn(_ reason: String) throws {
        guard copyBuffer != nil else { return }
        copyBuffer = nil
        try send(.copyFail(reason))
        do { _ = try copyInResult(failure: nil) } catch is PostgresError {}
    }

    /// Reads the server's answer to a completed COPY FROM.
    private func copyInResult(failure: (any Error)?) throws -> String {
        var failure = failure
        var tag = ""
        while true {
            switch try receive() {
            case .commandComplete(let completed):
                tag = completed
            case .errorResponse(let fields):
                if failure == nil { failure = PostgresError(fields: fields) }
            case .parameterStatus(let name, let value):
                parameters[name] = value
            case .readyForQuery:
                if let failure { throw failure }
                return tag
            case let other:
                throw PostgresProtocolError("unexpected message after COPY FROM data: \(other)")
            }
        }
    }

    /// What cancels this session's running query from another task: the server's address and
    /// the session's key, sent on a connection of its own.
    public var canceller: PostgresCanceller? {
        backendKey.map { PostgresCanceller(host: configuration.host, port: configuration.port, timeout: configuration.timeout,
                                           processID: $0.processID, secretKey: $0.secretKey) }
    }

    /// Ends the session.
    public func close() {
        try? send(.terminate)
        socket.close()
    }

    deinit { socket.close() }
}

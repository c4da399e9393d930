import Foundation

/// A logical replication session with a PostgreSQL server (`replication=database`): it
/// creates and drops replication slots and streams a slot's changes, decoded by the built-in
/// `pgoutput` plugin. The server keeps a slot's place in the log until the session confirms
/// it with ``sendStatus(flushed:replyRequested:)`` — WAL before that is kept for the slot.
/// Blocking, like ``PostgresConnection``.
///
/// ```swift
/// let session = try PostgresReplicationSession(configuration)
/// let slot = try session.createSlot("orders_cdc", exportSnapshot: false)
/// try session.startReplication(slot: slot.name, at: slot.consistentPoint, publications: ["orders_pub"])
/// while let event = try session.next(waitingAtMost: 1) { print(event) }
/// ```
public final class PostgresReplicationSession {
    /// The session's connection (a replication connection: it also runs SQL).
    public let connection: PostgresConnection
    /// Whether the stream is inside a streamed chunk of a large transaction (`S` … `E`).
    private var inStreamedChunk = false
    /// Whether `START_REPLICATION` is running.
    public private(set) var isStreaming = false

    /// Connects as a replication session; throws ``PostgresConnectionError`` or
    /// ``PostgresError`` (a role without the REPLICATION attribute, say).
    public init(_ configuration: PostgresConfiguration) throws {
        connection = try PostgresConnection(configuration, replication: true)
    }

    /// The server's identity and where its log ends now.
    public struct SystemIdentity: Sendable, Equatable {
        /// The cluster's system identifier.
        public var systemID: String
        /// The timeline.
        public var timeline: Int
        /// The current end of the write-ahead log.
        public var position: PostgresLSN
        /// The database the session is on.
        public var database: String?
    }

    /// `IDENTIFY_SYSTEM`.
    public func identifySystem() throws -> SystemIdentity {
        guard let row = try connection.simpleQuery("IDENTIFY_SYSTEM").last?.rows.first, row.count >= 4,
              let timeline = Int(row[1] ?? ""), let position = row[2].flatMap(PostgresLSN.init) else {
            throw PostgresProtocolError("the server's answer to IDENTIFY_SYSTEM is not a system identity")
        }
        return SystemIdentity(systemID: row[0] ?? "", timeline: timeline, position: position, database: row[3])
    }

    /// A slot just created.
    public struct CreatedSlot: Sendable, Equatable {
        /// Its name.
        public var name: String
        /// The first position whose changes it streams: everything committed before is in the
        /// exported snapshot.
        public var consistentPoint: PostgresLSN
        /// The snapshot of the database at `consistentPoint`, which another session imports
        /// with `SET TRANSACTION SNAPSHOT` while this one stays idle; `nil` when not exported.
        public var snapshotName: String?
    }

    /// Creates a logical slot decoded by `pgoutput`. With `exportSnapshot`, the database as of
    /// the slot's consistent point can be read by another session until this one runs its next
    /// command — the snapshot and the stream meet exactly, with no gap and no overlap.
    public func createSlot(_ name: String, temporary: Bool = false, exportSnapshot: Bool) throws -> CreatedSlot {
        let command = "CREATE_REPLICATION_SLOT \(PostgresTable.quoted(name))\(temporary ? " TEMPORARY" : "") LOGICAL pgoutput "
            + (exportSnapshot ? "EXPORT_SNAPSHOT" : "NOEXPORT_SNAPSHOT")
        guard let row = try connection.simpleQuery(command).last?.rows.first, row.count >= 3,
              let point = row[1].flatMap(PostgresLSN.init) else {
            throw PostgresProtocolError("the server's answer to CREATE_REPLICATION_SLOT is not a slot")
        }
        return CreatedSlot(name: row[0] ?? name, consistentPoint: point, snapshotName: row[2])
    }

    /// Drops the slot `name`, waiting for another session to let it go when `wait`.
    public func dropSlot(_ name: String, wait: Bool = false) throws {
        _ = try connection.simpleQuery("DROP_REPLICATION_SLOT \(PostgresTable.quoted(name))\(wait ? " WAIT" : "")")
    }

    /// Starts streaming the slot's changes from `position` (the server starts at the slot's
    /// confirmed position when that is later), for the tables of `publications`. `messages`
    /// asks for `pg_logical_emit_message` messages too; `streamLargeTransactions` (protocol 2)
    /// has the server send a large transaction in chunks before it commits.
    public func startReplication(slot: String, at position: PostgresLSN, publications: [String],
                                 messages: Bool = true, streamLargeTransactions: Bool = false) throws {
        let names = publications.map(PostgresTable.quoted).joined(separator: ",")
        var options = ["proto_version '\(streamLargeTransactions ? 2 : 1)'",
                       "publication_names \(PostgresMerge.literal(names))"]
        if messages { options.append("messages 'true'") }
        if streamLargeTransactions { options.append("streaming 'true'") }
        try connection.send(.query("START_REPLICATION SLOT \(PostgresTable.quoted(slot)) LOGICAL \(position) (\(options.joined(separator: ", ")))"))
        while true {
            switch try connection.receive() {
            case .copyBothResponse:
                isStreaming = true
                inStreamedChunk = false
                return
            case .errorResponse(let fields):
                try connection.waitUntilReady()
                throw PostgresError(fields: fields)
            case .parameterStatus, .commandComplete:
                continue
            case let other:
                throw PostgresProtocolError("unexpected message before a replication stream: \(other)")
            }
        }
    }

    /// What the stream carries.
    public enum Event: Sendable, Equatable {
        /// A decoded message, with the log range its WAL data covers and when it was sent.
        case change(PgOutputMessage, start: PostgresLSN, end: PostgresLSN, sentAt: Date)
        /// The server's keepalive: its log ends at `end`; it wants a status at once when
        /// `replyRequested`.
        case keepalive(end: PostgresLSN, sentAt: Date, replyRequested: Bool)
    }

    /// The next event of the stream, waiting at most `wait` seconds for one; `nil` when none
    /// came. The server ending the stream, or an error it sends, is thrown.
    public func next(waitingAtMost wait: Double) throws -> Event? {
        guard isStreaming else { throw PostgresProtocolError("no replication stream is running on this session") }
        while true {
            guard let message = try connection.receive(waitingAtMost: wait) else { return nil }
            switch message {
            case .copyData(let bytes):
                return try event(from: bytes)
            case .copyDone:
                isStreaming = false
                throw PostgresConnectionError("the server ended the replication stream")
            case .errorResponse(let fields):
                isStreaming = false
                throw PostgresError(fields: fields)
            case .parameterStatus:
                continue
            case let other:
                throw PostgresProtocolError("unexpected message in a replication stream: \(other)")
            }
        }
    }

    func event(from bytes: [UInt8]) throws -> Event {
        guard let tag = bytes.first else { throw PostgresProtocolError("the server sent an empty replication message") }
        var reader = MessageReader(Array(bytes.dropFirst()), type: tag)
        switch tag {
        case UInt8(ascii: "w"):
            let start = PostgresLSN(UInt64(bitPattern: try reader.int64()))
            let end = PostgresLSN(UInt64(bitPattern: try reader.int64()))
            let sent = PgOutputMessage.date(microseconds: try reader.int64())
            let message = try PgOutputMessage.decode(reader.rest(), streaming: inStreamedChunk)
            switch message {
            case .streamStart: inStreamedChunk = true
            case .streamStop: inStreamedChunk = false
            default: break
            }
            return .change(message, start: start, end: end, sentAt: sent)
        case UInt8(ascii: "k"):
            let end = PostgresLSN(UInt64(bitPattern: try reader.int64()))
            let sent = PgOutputMessage.date(microseconds: try reader.int64())
            let reply = try reader.byte() == 1
            guard reader.isAtEnd else { throw reader.malformed("it has bytes after its end") }
            return .keepalive(end: end, sentAt: sent, replyRequested: reply)
        default:
            throw PostgresProtocolError("the server sent a replication message of unknown type \(MessageReader.describe(tag))")
        }
    }

    /// Tells the server that everything up to `flushed` is processed durably: the slot's
    /// confirmed position moves there, and the server may recycle the WAL before it.
    public func sendStatus(flushed: PostgresLSN, replyRequested: Bool = false) throws {
        guard isStreaming else { throw PostgresProtocolError("no replication stream is running on this session") }
        var body: [UInt8] = [UInt8(ascii: "r")]
        let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) - PgOutputMessage.epochOffset
        for value in [Int64(bitPattern: flushed.value), Int64(bitPattern: flushed.value), Int64(bitPattern: flushed.value), now] {
            withUnsafeBytes(of: value.bigEndian) { body.append(contentsOf: $0) }
        }
        body.append(replyRequested ? 1 : 0)
        try connection.send(.copyData(body))
    }

    /// Ends the stream (the session can run commands again).
    public func stopReplication() throws {
        guard isStreaming else { return }
        try connection.send(.copyDone)
        isStreaming = false
        var failure: PostgresError?
        while true {
            switch try connection.receive() {
            case .readyForQuery:
                if let failure { throw failure }
                return
            case .errorResponse(let fields):
                failure = PostgresError(fields: fields)
            default:
                continue   // the rest of the stream, the server's CopyDone, CommandComplete
            }
        }
    }

    /// Ends the session.
    public func close() { connection.close() }
}

/// A message the server sends (PostgreSQL frontend/backend protocol 3.0), checked as it is
/// read: a length or content that does not add up is a ``PostgresProtocolError``.
public enum BackendMessage: Sendable, Equatable {
    /// What the server asks for to authenticate, or that it is done.
    public enum Authentication: Sendable, Equatable {
        /// Authenticated.
        case ok
        /// The password in clear.
        case cleartextPassword
        /// The md5 answer, with this salt.
        case md5Password(salt: [UInt8])
        /// SASL, with the mechanisms the server offers.
        case sasl(mechanisms: [String])
        /// The next SASL message from the server.
        case saslContinue([UInt8])
        /// The server's last SASL message.
        case saslFinal([UInt8])
        /// A method this client does not speak (Kerberos, GSS, SSPI), by its code.
        case unsupported(code: Int32)
    }

    /// One column of a result.
    public struct Column: Sendable, Equatable {
        /// Its name.
        public var name: String
        /// The table's OID, 0 when not a table column.
        public var tableOID: UInt32
        /// The column's number in the table, 0 when not a table column.
        public var columnNumber: Int16
        /// Its type's OID.
        public var typeOID: UInt32
        /// The type's size, negative for variable-length types.
        public var typeSize: Int16
        /// The type modifier.
        public var typeModifier: Int32
        /// 0 for text, 1 for binary.
        public var format: Int16
    }

    /// Authentication.
    case authentication(Authentication)
    /// A run-time parameter's value (`server_version`, `client_encoding`, …).
    case parameterStatus(name: String, value: String)
    /// What a cancel request for this session needs.
    case backendKeyData(processID: Int32, secretKey: Int32)
    /// Ready for a query; `I` idle, `T` in a transaction, `E` in a failed transaction.
    case readyForQuery(transactionStatus: UInt8)
    /// The columns of the rows that follow.
    case rowDescription([Column])
    /// One row: each column's value as bytes, `nil` for NULL.
    case dataRow([[UInt8]?])
    /// A command finished, with its tag (`SELECT 3`, `INSERT 0 1`, `COPY 10`).
    case commandComplete(String)
    /// An empty query string was run.
    case emptyQueryResponse
    /// An error: its fields by code (`S` severity, `C` SQLSTATE, `M` message, `D` detail, …).
    case errorResponse([UInt8: String])
    /// A notice, with the same fields.
    case noticeResponse([UInt8: String])
    /// A parse finished.
    case parseComplete
    /// A bind finished.
    case bindComplete
    /// A close finished.
    case closeComplete
    /// The statement returns no rows.
    case noData
    /// An execute stopped at its row limit; the portal has more.
    case portalSuspended
    /// A statement's parameter type OIDs.
    case parameterDescription([UInt32])
    /// `COPY … FROM STDIN` may start; each column's format.
    case copyInResponse(format: Int8, columnFormats: [Int16])
    /// `COPY … TO STDOUT` starts; each column's format.
    case copyOutResponse(format: Int8, columnFormats: [Int16])
    /// `W`: both directions copy (a replication stream started).
    case copyBothResponse(format: Int8, columnFormats: [Int16])
    /// Data of `COPY … TO STDOUT`.
    case copyData([UInt8])
    /// The end of `COPY … TO STDOUT` data.
    case copyDone
    /// A `NOTIFY` on a channel this session listens to.
    case notification(processID: Int32, channel: String, payload: String)
    /// The server does not support a protocol feature the client asked for.
    case negotiateProtocolVersion(newestMinor: Int32, unrecognised: [String])

    /// Reads the message of `type` from its `body` (the bytes after the length).
    public static func decode(type: UInt8, body: [UInt8]) throws -> BackendMessage {
        var reader = MessageReader(body, type: type)
        let message: BackendMessage
        switch type {
        case UInt8(ascii: "R"):
            let code = try reader.int32()
            switch code {
            case 0: message = .authentication(.ok)
            case 3: message = .authentication(.cleartextPassword)
            case 5: message = .authentication(.md5Password(salt: try reader.bytes(4)))
            case 10:
                var mechanisms: [String] = []
                while true {
                    let mechanism = try reader.string()
                    if mechanism.isEmpty { break }
                    mechanisms.append(mechanism)
                }
                message = .authentication(.sasl(mechanisms: mechanisms))
            case 11: message = .authentication(.saslContinue(reader.rest()))
            case 12: message = .authentication(.saslFinal(reader.rest()))
            default: message = .authentication(.unsupported(code: code))
            }
        case UInt8(ascii: "S"): message = .parameterStatus(name: try reader.string(), value: try reader.string())
        case UInt8(ascii: "K"): message = .backendKeyData(processID: try reader.int32(), secretKey: try reader.int32())
        case UInt8(ascii: "Z"): message = .readyForQuery(transactionStatus: try reader.byte())
        case UInt8(ascii: "T"):
            let count = try reader.count()
            var columns: [Column] = []
            columns.reserveCapacity(count)
            for _ in 0..<count {
                columns.append(Column(name: try reader.string(), tableOID: UInt32(bitPattern: try reader.int32()),
                                      columnNumber: try reader.int16(), typeOID: UInt32(bitPattern: try reader.int32()),
                                      typeSize: try reader.int16(), typeModifier: try reader.int32(), format: try reader.int16()))
            }
            message = .rowDescription(columns)
        case UInt8(ascii: "D"):
            let count = try reader.count()
            var values: [[UInt8]?] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                let length = try reader.int32()
                guard length >= -1 else { throw reader.malformed("a value of length \(length)") }
                values.append(length == -1 ? nil : try reader.bytes(Int(length)))
            }
            message = .dataRow(values)
        case UInt8(ascii: "C"): message = .commandComplete(try reader.string())
        case UInt8(ascii: "I"): message = .emptyQueryResponse
        case UInt8(ascii: "E"): message = .errorResponse(try reader.fields())
        case UInt8(ascii: "N"): message = .noticeResponse(try reader.fields())
        case UInt8(ascii: "1"): message = .parseComplete
        case UInt8(ascii: "2"): message = .bindComplete
        case UInt8(ascii: "3"): message = .closeComplete
        case UInt8(ascii: "n"): message = .noData
        case UInt8(ascii: "s"): message = .portalSuspended
        case UInt8(ascii: "t"):
            let count = try reader.count()
            message = .parameterDescription(try (0..<count).map { _ in UInt32(bitPattern: try reader.int32()) })
        case UInt8(ascii: "G"), UInt8(ascii: "H"), UInt8(ascii: "W"):
            let format = Int8(bitPattern: try reader.byte())
            let count = try reader.count()
            let formats = try (0..<count).map { _ in try reader.int16() }
            switch type {
            case UInt8(ascii: "G"): message = .copyInResponse(format: format, columnFormats: formats)
            case UInt8(ascii: "H"): message = .copyOutResponse(format: format, columnFormats: formats)
            default: message = .copyBothResponse(format: format, columnFormats: formats)
            }
        case UInt8(ascii: "d"): message = .copyData(reader.rest())
        case UInt8(ascii: "c"): message = .copyDone
        case UInt8(ascii: "A"): message = .notification(processID: try reader.int32(), channel: try reader.string(), payload: try reader.string())
        case UInt8(ascii: "v"):
            let newest = try reader.int32()
            let count = try reader.count(allowingUpTo: Int(Int32.max))
            message = .negotiateProtocolVersion(newestMinor: newest, unrecognised: try (0..<count).map { _ in try reader.string() })
        default:
            throw PostgresProtocolError("the server sent a message of unknown type \(MessageReader.describe(type))")
        }
        try reader.expectEnd()
        return message
    }
}

/// Reads a message body in network byte order, checking every length against what is there.
struct MessageReader {
    private let body: [UInt8]
    private let type: UInt8
    private var position = 0

    init(_ body: [UInt8], type: UInt8) {
        self.body = body
        self.type = type
    }

    static func describe(_ type: UInt8) -> String {
        type >= 0x20 && type < 0x7F ? "'\(Character(Unicode.Scalar(type)))'" : "0x" + String(type, radix: 16)
    }

    func malformed(_ what: String) -> PostgresProtocolError {
        PostgresProtocolError("the server's \(Self.describe(type)) message is malformed: \(what)")
    }

    mutating func byte() throws -> UInt8 {
        guard position < body.count else { throw malformed("it ends early") }
        defer { position += 1 }
        return body[position]
    }

    mutating func int16() throws -> Int16 {
        guard position + 2 <= body.count else { throw malformed("it ends early") }
        defer { position += 2 }
        return Int16(bitPattern: UInt16(body[position]) << 8 | UInt16(body[position + 1]))
    }

    mutating func int32() throws -> Int32 {
        guard position + 4 <= body.count else { throw malformed("it ends early") }
        defer { position += 4 }
        return Int32(bitPattern: UInt32(body[position]) << 24 | UInt32(body[position + 1]) << 16
                     | UInt32(body[position + 2]) << 8 | UInt32(body[position + 3]))
    }

    mutating func int64() throws -> Int64 {
        let high = UInt64(UInt32(bitPattern: try int32()))
        let low = UInt64(UInt32(bitPattern: try int32()))
        return Int64(bitPattern: high << 32 | low)
    }

    /// Whether the whole body has been read.
    var isAtEnd: Bool { position == body.count }

    /// A 16-bit count, which must not be negative.
    mutating func count(allowingUpTo limit: Int = Int(Int16.max)) throws -> Int {
        let value = limit > Int(Int16.max) ? Int(try int32()) : Int(try int16())
        guard value >= 0, value <= limit else { throw malformed("a count of \(value)") }
        return value
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, position + count <= body.count else { throw malformed("a value runs past its end") }
        defer { position += count }
        return Array(body[position..<(position + count)])
    }

    /// A NUL-terminated string, which must be UTF-8.
    mutating func string() throws -> String {
        guard let end = body[position...].firstIndex(of: 0) else { throw malformed("a string has no end") }
        defer { position = end + 1 }
        guard let text = String(validating: body[position..<end], as: UTF8.self) else { throw malformed("a string is not UTF-8") }
        return text
    }

    /// What is left.
    mutating func rest() -> [UInt8] {
        defer { position = body.count }
        return Array(body[position...])
    }

    /// The fields of an error or notice: a code byte and a string each, ended by a 0 byte.
    mutating func fields() throws -> [UInt8: String] {
        var fields: [UInt8: String] = [:]
        while true {
            let code = try byte()
            if code == 0 { return fields }
            fields[code] = try string()
        }
    }

    func expectEnd() throws {
        guard position == body.count else { throw malformed("\(body.count - position) bytes are left over") }
    }
}

/// A message the client sends to the server (PostgreSQL frontend/backend protocol 3.0).
public enum FrontendMessage: Sendable, Equatable {
    /// Opens the session: protocol 3.0, the user, and parameters such as `database` and
    /// `application_name`.
    case startup(user: String, parameters: [(String, String)])
    /// A password, in clear or as the md5 answer.
    case password(String)
    /// The first SASL message, naming the mechanism.
    case saslInitialResponse(mechanism: String, data: [UInt8])
    /// A later SASL message.
    case saslResponse([UInt8])
    /// A query in the simple protocol.
    case query(String)
    /// Prepares `query` as statement `name` ("" for the unnamed one); `parameterTypes` are type
    /// OIDs, 0 to let the server infer.
    case parse(name: String, query: String, parameterTypes: [UInt32])
    /// Binds `parameters` (text format; `nil` for NULL) to statement `statement` as portal
    /// `portal`; results in `resultFormats` (0 text, 1 binary; empty for all text).
    case bind(portal: String, statement: String, parameters: [[UInt8]?], resultFormats: [Int16])
    /// Asks for the description of a portal (`"P"`) or statement (`"S"`).
    case describe(kind: UInt8, name: String)
    /// Runs portal `portal`, returning at most `maximumRows` rows (0: all).
    case execute(portal: String, maximumRows: Int32)
    /// Ends an extended-query sequence.
    case sync
    /// Asks the server to send what it has.
    case flush
    /// Closes a portal (`"P"`) or statement (`"S"`).
    case close(kind: UInt8, name: String)
    /// Data for `COPY … FROM STDIN`.
    case copyData([UInt8])
    /// The end of `COPY … FROM STDIN` data.
    case copyDone
    /// Aborts `COPY … FROM STDIN` with a reason.
    case copyFail(String)
    /// Ends the session.
    case terminate
    /// Asks the server to cancel the query of the session `processID` (sent on a new
    /// connection, with the session's secret key).
    case cancelRequest(processID: Int32, secretKey: Int32)

    /// The message's bytes, as sent. Throws for what the protocol cannot carry: a NUL inside a
    /// string, more than 32,767 parameters, a message over 1 GiB.
    public func encoded() throws -> [UInt8] {
        var body = MessageWriter()
        let type: UInt8?
        switch self {
        case .startup(let user, let parameters):
            body.int32(196_608)                 // protocol 3.0
            try body.string("user")
            try body.string(user)
            for (name, value) in parameters {
                try body.string(name)
                try body.string(value)
            }
            body.byte(0)
            type = nil
        case .password(let password):
            try body.string(password)
            type = UInt8(ascii: "p")
        case .saslInitialResponse(let mechanism, let data):
            try body.string(mechanism)
            body.int32(Int32(data.count))
            body.bytes(data)
            type = UInt8(ascii: "p")
        case .saslResponse(let data):
            body.bytes(data)
            type = UInt8(ascii: "p")
        case .query(let query):
            try body.string(query)
            type = UInt8(ascii: "Q")
        case .parse(let name, let query, let parameterTypes):
            try body.string(name)
            try body.string(query)
            try body.count(parameterTypes.count, of: "parameter types")
            for oid in parameterTypes { body.int32(Int32(bitPattern: oid)) }
            type = UInt8(ascii: "P")
        case .bind(let portal, let statement, let parameters, let resultFormats):
            try body.string(portal)
            try body.string(statement)
            body.int16(0)                       // every parameter in text format
            try body.count(parameters.count, of: "parameters")
            for parameter in parameters {
                if let parameter {
                    body.int32(Int32(parameter.count))
                    body.bytes(parameter)
                } else {
                    body.int32(-1)
                }
            }
            try body.count(resultFormats.count, of: "result formats")
            for format in resultFormats { body.int16(format) }
            type = UInt8(ascii: "B")
        case .describe(let kind, let name):
            body.byte(kind)
            try body.string(name)
            type = UInt8(ascii: "D")
        case .execute(let portal, let maximumRows):
            try body.string(portal)
            body.int32(maximumRows)
            type = UInt8(ascii: "E")
        case .sync:
            type = UInt8(ascii: "S")
        case .flush:
            type = UInt8(ascii: "H")
        case .close(let kind, let name):
            body.byte(kind)
            try body.string(name)
            type = UInt8(ascii: "C")
        case .copyData(let data):
            body.bytes(data)
            type = UInt8(ascii: "d")
        case .copyDone:
            type = UInt8(ascii: "c")
        case .copyFail(let reason):
            try body.string(reason)
            type = UInt8(ascii: "f")
        case .terminate:
            type = UInt8(ascii: "X")
        case .cancelRequest(let processID, let secretKey):
            body.int32(80_877_102)              // the cancel request code
            body.int32(processID)
            body.int32(secretKey)
            type = nil
        }
        guard body.bytes.count <= MessageWriter.maximumLength - 4 else {
            throw PostgresProtocolError("a message of \(body.bytes.count) bytes is larger than PostgreSQL accepts (1 GiB)")
        }
        var message: [UInt8] = []
        if let type { message.append(type) }
        let length = Int32(body.bytes.count + 4)
        message += [UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
                    UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        message += body.bytes
        return message
    }

    public static func == (lhs: FrontendMessage, rhs: FrontendMessage) -> Bool { (try? lhs.encoded()) == (try? rhs.encoded()) }
}

/// Builds a message body in network byte order.
struct MessageWriter {
    /// PostgreSQL's limit for one message.
    static let maximumLength = 1 << 30

    private(set) var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }
    mutating func bytes(_ values: [UInt8]) { bytes += values }
    mutating func int16(_ value: Int16) {
        bytes += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
    mutating func int32(_ value: Int32) {
        bytes += [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                  UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
    /// A NUL-terminated string; one that holds a NUL cannot be sent.
    mutating func string(_ text: String) throws {
        let utf8 = Array(text.utf8)
        guard !utf8.contains(0) else { throw PostgresProtocolError("text sent to PostgreSQL cannot contain a NUL character") }
        bytes += utf8
        bytes.append(0)
    }

    /// A 16-bit count of `what`.
    mutating func count(_ count: Int, of what: String) throws {
        guard count <= Int(Int16.max) else { throw PostgresProtocolError("\(count) \(what) are more than a message can carry (32,767)") }
        int16(Int16(count))
    }
}

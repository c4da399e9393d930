import Foundation

/// A message of the `pgoutput` logical decoding plugin (protocol versions 1 and 2), as the
/// server sends it inside a replication stream's WAL data: transactions, the shape of
/// tables, and the rows that changed. Decoded by ``PgOutputMessage/decode(_:streaming:)``.
public enum PgOutputMessage: Sendable, Equatable {
    /// `B`: a transaction begins; `finalLSN` is where its commit record ends.
    case begin(finalLSN: PostgresLSN, commitTime: Date, transactionID: UInt32)
    /// `C`: the transaction commits at `commitLSN`; the stream continues from `endLSN`.
    case commit(commitLSN: PostgresLSN, endLSN: PostgresLSN, commitTime: Date)
    /// `O`: the changes come from another server (`origin`).
    case origin(commitLSN: PostgresLSN, name: String)
    /// `R`: the shape of a table; it precedes the table's first change in a session and
    /// follows any change of its columns.
    case relation(PgOutputRelation)
    /// `Y`: a data type that is not built in.
    case type(id: UInt32, namespace: String, name: String)
    /// `I`: a row inserted.
    case insert(relation: UInt32, transactionID: UInt32?, new: PgOutputTuple)
    /// `U`: a row updated. `old` is the whole old row (replica identity FULL) or its key
    /// (when the key changed), whichever the server sent.
    case update(relation: UInt32, transactionID: UInt32?, old: PgOutputTuple?, oldIsKey: Bool, new: PgOutputTuple)
    /// `D`: a row deleted; `old` is the whole row (FULL) or its key.
    case delete(relation: UInt32, transactionID: UInt32?, old: PgOutputTuple, oldIsKey: Bool)
    /// `T`: tables truncated.
    case truncate(relations: [UInt32], transactionID: UInt32?, cascade: Bool, restartIdentity: Bool)
    /// `M`: a message written with `pg_logical_emit_message`.
    case message(transactionID: UInt32?, transactional: Bool, lsn: PostgresLSN, prefix: String, content: [UInt8])
    /// `S`: a chunk of a large transaction streamed before it commits (protocol 2).
    case streamStart(transactionID: UInt32, first: Bool)
    /// `E`: the end of a streamed chunk.
    case streamStop
    /// `c`: a streamed transaction commits.
    case streamCommit(transactionID: UInt32, commitLSN: PostgresLSN, endLSN: PostgresLSN, commitTime: Date)
    /// `A`: a streamed transaction (or subtransaction) aborts.
    case streamAbort(transactionID: UInt32, subtransactionID: UInt32)

    /// Microseconds from PostgreSQL's epoch (2000-01-01) to the Unix epoch's.
    static let epochOffset: Int64 = 946_684_800_000_000

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds + epochOffset) / 1_000_000)
    }

    /// Decodes one message. `streaming` says whether the stream is inside a streamed chunk
    /// (between `S` and `E`), where change messages carry their transaction's id.
    public static func decode(_ bytes: [UInt8], streaming: Bool = false) throws -> PgOutputMessage {
        guard let tag = bytes.first else { throw PostgresProtocolError("the server sent an empty pgoutput message") }
        var reader = MessageReader(Array(bytes.dropFirst()), type: tag)
        func lsn() throws -> PostgresLSN { PostgresLSN(UInt64(bitPattern: try reader.int64())) }
        func time() throws -> Date { date(microseconds: try reader.int64()) }
        func uint32() throws -> UInt32 { UInt32(bitPattern: try reader.int32()) }
        func streamedTransaction() throws -> UInt32? { streaming ? try uint32() : nil }
        let message: PgOutputMessage
        switch tag {
        case UInt8(ascii: "B"):
            message = .begin(finalLSN: try lsn(), commitTime: try time(), transactionID: try uint32())
        case UInt8(ascii: "C"):
            _ = try reader.byte()
            message = .commit(commitLSN: try lsn(), endLSN: try lsn(), commitTime: try time())
        case UInt8(ascii: "O"):
            message = .origin(commitLSN: try lsn(), name: try reader.string())
        case UInt8(ascii: "R"):
            _ = try streamedTransaction()
            let id = try uint32()
            let namespace = try reader.string()
            let name = try reader.string()
            let identity = try reader.byte()
            let count = try reader.count()
            let columns = try (0..<count).map { _ in
                PgOutputRelation.Column(isKey: try reader.byte() & 1 == 1, name: try reader.string(),
                                        typeID: try uint32(), typeModifier: try reader.int32())
            }
            message = .relation(PgOutputRelation(id: id, namespace: namespace, name: name,
                                                 replicaIdentity: PgOutputRelation.ReplicaIdentity(rawValue: identity) ?? .default,
                                                 columns: columns))
        case UInt8(ascii: "Y"):
            _ = try streamedTransaction()
            message = .type(id: try uint32(), namespace: try reader.string(), name: try reader.string())
        case UInt8(ascii: "I"):
            let transaction = try streamedTransaction()
            let relation = try uint32()
            guard try reader.byte() == UInt8(ascii: "N") else { throw reader.malformed("an insert without its new row") }
            message = .insert(relation: relation, transactionID: transaction, new: try PgOutputTuple.decode(&reader))
        case UInt8(ascii: "U"):
            let transaction = try streamedTransaction()
            let relation = try uint32()
            var kind = try reader.byte()
            var old: PgOutputTuple?
            let oldIsKey = kind == UInt8(ascii: "K")
            if kind == UInt8(ascii: "K") || kind == UInt8(ascii: "O") {
                old = try PgOutputTuple.decode(&reader)
                kind = try reader.byte()
            }
            guard kind == UInt8(ascii: "N") else { throw reader.malformed("an update without its new row") }
            message = .update(relation: relation, transactionID: transaction, old: old, oldIsKey: oldIsKey, new: try PgOutputTuple.decode(&reader))
        case UInt8(ascii: "D"):
            let transaction = try streamedTransaction()
            let relation = try uint32()
            let kind = try reader.byte()
            guard kind == UInt8(ascii: "K") || kind == UInt8(ascii: "O") else { throw reader.malformed("a delete without its old row") }
            message = .delete(relation: relation, transactionID: transaction, old: try PgOutputTuple.decode(&reader), oldIsKey: kind == UInt8(ascii: "K"))
        case UInt8(ascii: "T"):
            let transaction = try streamedTransaction()
            let count = Int(try reader.int32())
            guard count >= 0, count <= 1_000_000 else { throw reader.malformed("a truncate of \(count) tables") }
            let options = try reader.byte()
            let relations = try (0..<count).map { _ in try uint32() }
            message = .truncate(relations: relations, transactionID: transaction, cascade: options & 1 != 0, restartIdentity: options & 2 != 0)
        case UInt8(ascii: "M"):
            let transaction = try streamedTransaction()
            let transactional = try reader.byte() & 1 == 1
            let at = try lsn()
            let prefix = try reader.string()
            let length = Int(try reader.int32())
            message = .message(transactionID: transaction, transactional: transactional, lsn: at, prefix: prefix, content: try reader.bytes(length))
        case UInt8(ascii: "S"):
            message = .streamStart(transactionID: try uint32(), first: try reader.byte() == 1)
        case UInt8(ascii: "E"):
            message = .streamStop
        case UInt8(ascii: "c"):
            let transaction = try uint32()
            _ = try reader.byte()
            message = .streamCommit(transactionID: transaction, commitLSN: try lsn(), endLSN: try lsn(), commitTime: try time())
        case UInt8(ascii: "A"):
            message = .streamAbort(transactionID: try uint32(), subtransactionID: try uint32())
        default:
            throw PostgresProtocolError("the server sent a pgoutput message of unknown type \(MessageReader.describe(tag))")
        }
        guard reader.isAtEnd else { throw reader.malformed("it has bytes after its end") }
        return message
    }
}

/// A table as `pgoutput` describes it: its columns in order, which of them form the replica
/// identity (the key sent with updates and deletes), and their types.
public struct PgOutputRelation: Sendable, Equatable {
    /// What the server sends of an updated or deleted row's old version.
    public enum ReplicaIdentity: UInt8, Sendable {
        /// The primary key.
        case `default` = 100   // 'd'
        /// Nothing.
        case nothing = 110     // 'n'
        /// The whole row.
        case full = 102        // 'f'
        /// The columns of a chosen unique index.
        case index = 105       // 'i'
    }

    /// One column.
    public struct Column: Sendable, Equatable {
        /// Whether it is part of the replica identity.
        public var isKey: Bool
        /// Its name.
        public var name: String
        /// Its type's OID.
        public var typeID: UInt32
        /// Its type modifier (a `varchar`'s length), -1 when none.
        public var typeModifier: Int32
    }

    /// The table's OID, which change messages name it by.
    public var id: UInt32
    /// Its schema (empty for `pg_catalog`).
    public var namespace: String
    /// Its name.
    public var name: String
    /// What old versions of its rows carry.
    public var replicaIdentity: ReplicaIdentity
    /// Its columns, generated columns left out.
    public var columns: [Column]

    /// `schema.table`.
    public var qualifiedName: String { namespace.isEmpty ? name : namespace + "." + name }
}

/// The values of one row in a `pgoutput` change, column by column.
public struct PgOutputTuple: Sendable, Equatable {
    /// One column's value.
    public enum Value: Sendable, Equatable {
        /// NULL.
        case null
        /// A large (TOASTed) value that did not change and was not sent: it is not NULL, it
        /// is the value the row already has.
        case unchangedToast
        /// The value in PostgreSQL's text form.
        case text([UInt8])
        /// The value in binary form.
        case binary([UInt8])
    }

    /// The values, in the relation's column order.
    public var values: [Value]

    static func decode(_ reader: inout MessageReader) throws -> PgOutputTuple {
        let count = try reader.count()
        var values: [Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            switch try reader.byte() {
            case UInt8(ascii: "n"): values.append(.null)
            case UInt8(ascii: "u"): values.append(.unchangedToast)
            case UInt8(ascii: "t"): values.append(.text(try reader.bytes(Int(try reader.int32()))))
            case UInt8(ascii: "b"): values.append(.binary(try reader.bytes(Int(try reader.int32()))))
            case let kind: throw reader.malformed("a column value of unknown kind \(MessageReader.describe(kind))")
            }
        }
        return PgOutputTuple(values: values)
    }
}

import SluiceNetwork
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceCrypto

/// Applies a stream of ``Change``s to a PostgreSQL table, exactly once: inserts and updates
/// become the row of their key, deletes remove it, a truncate empties the table — or, in
/// history mode, each change becomes a version valid from its commit time until the key's
/// next change.
///
/// Changes are staged like a ``PostgresSink``'s rows (COPY into `_sluice_changes_<digest>`)
/// and applied in their order when their checkpoint commits (``PostgresChangeMerge``), in the
/// transaction that records the commit. A column whose value a change did not send (an
/// unchanged TOAST value, or a column the row type does not carry) keeps the value the key
/// had: from an earlier change of the same checkpoint, or the table. An update whose unsent
/// value is in neither — its row is missing from the table — is refused as a dead letter
/// instead of writing NULL, as is a change that breaks a NOT NULL or foreign key.
public struct PostgresChangeSink<Row: Encodable & Sendable>: SinkStage {
    /// The element: a change whose row is `Row`.
    public typealias Input = Change<Row>
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let configuration: PostgresConfiguration
    let table: String
    let mode: PostgresSinkMode
    let retry: RetryPolicy

    init(configuration: PostgresConfiguration, table: String, mode: PostgresSinkMode, retry: RetryPolicy) {
        self.configuration = configuration
        self.table = table
        self.mode = mode
        self.retry = retry
    }

    /// `postgres changes sink`.
    public var defaultName: String { "postgres changes sink" }
    /// The server, database and table (never the password), and the mode.
    public var detail: String { "\(configuration) table \(table) (changes, \(mode))" }

    /// Applies a saved transaction with the sink's own connection settings.
    public var transactionPublisher: (@Sendable ([UInt8]) throws -> Void)? {
        PostgresMerge.publisher(configuration: configuration, retry: retry)
    }

    /// Connects, reads the table, and creates the staging and commits tables when missing.
    public func makeWriter(_ context: StageContext) async throws -> Writer {
        if case .append = mode { throw RecordError("applying changes to \(table) needs a key: mode .upsert(key:) or .history(key:), not .append") }
        let stage = self
        return try await PostgresReconnection.retrying(retry) { _ in
            try await BlockingCall.run { BlockingCall.Handed(value: try Writer(stage: stage, context: context)) }.value
        }
    }

    /// The running form of ``PostgresChangeSink``.
    public struct Writer: TransactionalSinkWriter, PostgresStagingWriter {
        public typealias Transaction = PostgresSinkTransaction

        let stage: PostgresChangeSink
        let context: StageContext
        var connection: PostgresConnection
        let target: PostgresTable
        let staging: String
        /// The columns changes write: the key until the first row fixes them to the table's
        /// columns the row type carries (a column it does not carry keeps its default).
        var columns: [String]
        var columnsFixed = false
        /// The table's columns a change may write (all but history's `valid_from`, `valid_to`).
        let writable: [String]
        let notNullColumns: [String]
        let attempt = UUID().uuidString.lowercased()
        var configuration: PostgresConfiguration { stage.configuration }
        var retry: RetryPolicy { stage.retry }
        var segment: Int64 = 0
        var sequence: Int64 = 0
        /// Columns some staged change did not send a value for.
        var unchangedSeen: Set<String> = []

        init(stage: PostgresChangeSink, context: StageContext) throws {
            self.stage = stage
            self.context = context
            let connection = try PostgresConnection(stage.configuration)
            do {
                guard let target = try PostgresTable.load(stage.table, on: connection) else {
                    throw RecordError("the table \(stage.table) does not exist on \(stage.configuration)")
                }
                self.target = target
                for column in stage.mode.key where target.column(column) == nil {
                    throw RecordError("the key column '\(column)' is not in the table \(stage.table) (it has \(target.columns.map(\.name).joined(separator: ", ")))")
                }
                var columns = target.columns.map(\.name)
                if case .history = stage.mode {
                    for column in ["valid_from", "valid_to"] where target.column(column)?.type != .timestamptz {
                        throw RecordError("history mode needs a column '\(column)' of type timestamptz in the table \(stage.table)")
                    }
                    columns.removeAll { $0 == "valid_from" || $0 == "valid_to" }
                }
                writable = columns
                self.columns = stage.mode.key
                notNullColumns = try connection.simpleQuery("""
                    SELECT attname FROM pg_attribute WHERE attrelid = \(PostgresMerge.literal(target.qualifiedName))::regclass
                    AND attnum > 0 AND NOT attisdropped AND attnotnull
                    """).last?.rows.compactMap { $0.first ?? nil }.filter(columns.contains) ?? []
                let digest = hexadecimal(SHA256.hash(Array("\(context.pipelineName)\u{0}\(context.stageName)\u{0}\(target.qualifiedName)".utf8)).prefix(8))
                staging = PostgresTable.quoted(target.schema) + "." + PostgresTable.quoted("_sluice_changes_" + digest)
                try Self.prepare(staging: staging, for: target, columns: columns, key: stage.mode.key, on: connection)
                self.connection = connection
            } catch {
                connection.close()
                throw error
            }
            if !context.isCheckpointed { try discardStaged() }
        }

        /// Creates the commits table and the staging table when missing: the target's columns,
        /// all nullable (a delete sends only its key), and what a change adds.
        static func prepare(staging: String, for target: PostgresTable, columns: [String], key: [String], on connection: PostgresConnection) throws {
            try PostgresSink<Record>.Writer.tolerant(PostgresMerge.createCommitsTable, on: connection)
            try PostgresSink<Record>.Writer.tolerant("""
                CREATE TABLE IF NOT EXISTS \(staging) (LIKE \(target.qualifiedName) INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                    _sluice_instance int NOT NULL, _sluice_attempt uuid NOT NULL, _sluice_segment bigint NOT NULL, _sluice_seq bigint NOT NULL,
                    _sluice_op "char" NOT NULL, _sluice_unchanged text[] NOT NULL, _sluice_toasted boolean NOT NULL, _sluice_time timestamptz NOT NULL)
                """, on: connection)
            let nullable = target.columns.map { "ALTER COLUMN \(PostgresTable.quoted($0.name)) DROP NOT NULL" }.joined(separator: ", ")
            _ = try connection.simpleQuery("ALTER TABLE \(staging) \(nullable), REPLICA IDENTITY FULL")
            let base = PostgresSink<Record>.Writer.bareName(staging)
            try PostgresSink<Record>.Writer.tolerant("CREATE INDEX IF NOT EXISTS \(PostgresTable.quoted(base + "_seq")) ON \(staging) (_sluice_attempt, _sluice_seq)", on: connection)
            try PostgresSink<Record>.Writer.tolerant("""
                CREATE INDEX IF NOT EXISTS \(PostgresTable.quoted(base + "_key")) ON \(staging) (_sluice_attempt, \(key.map(PostgresTable.quoted).joined(separator: ", ")))
                """, on: connection)
        }

        public mutating func recover(after committed: PostgresSinkTransaction?) async throws {
            try await withReconnection { writer in try writer.discardStaged() }
        }

        public mutating func preCommit(_ checkpoint: CheckpointID) async throws -> PostgresSinkTransaction {
            defer { segment += 1 }
            return transaction(checkpoint: checkpoint == .final ? nil : Int64(exactly: checkpoint.rawValue))
        }

        func transaction(checkpoint: Int64?) -> PostgresSinkTransaction {
            PostgresSinkTransaction(pipeline: context.pipelineName, sink: context.stageName, attempt: attempt, segment: segment,
                                    checkpoint: checkpoint, table: target.qualifiedName, staging: staging, columns: columns, mode: stage.mode,
                                    appliedChanges: .init(unchangedColumns: unchangedSeen.sorted()))
        }

        public static func commit(_ transaction: PostgresSinkTransaction) throws {
            throw RecordError("a PostgreSQL sink commits through its stage's settings, not the writer type")
        }

        public mutating func finish() async throws {
            defer { connection.close() }
            guard !context.isCheckpointed else { return }
            let (transaction, configuration, retry) = (transaction(checkpoint: nil), stage.configuration, stage.retry)
            try await BlockingCall.run { try PostgresMerge.commit(transaction, configuration: configuration, retry: retry) }
        }

        public mutating func abort() async {
            try? discardStaged()
            connection.close()
        }

        public mutating func write(_ elements: [Change<Row>], failures: inout RecordFailures) async throws {
            if !columnsFixed, let row = elements.lazy.compactMap(\.after).first {
                let names = Set(try PostgresRowEncoder.fields(of: row).map(\.name))
                columns = writable.filter { names.contains($0) || stage.mode.key.contains($0) }
                columnsFixed = true
            }
            var lines: [(element: Int, bytes: [UInt8])] = []
            lines.reserveCapacity(elements.count)
            let first = sequence
            // Sequence numbers count lines: an update that moves a row's key stages two.
            var elementOf: [Int] = []
            for (index, change) in elements.enumerated() {
                do {
                    for line in try stagingLines(for: change, sequence: first + Int64(elementOf.count)) {
                        lines.append((index, line))
                        elementOf.append(index)
                    }
                } catch let error as PostgresSink<Row>.Writer.ConfigurationProblem {
                    throw RecordError(error.message)
                } catch {
                    try failures.reject(error, rawInput: Self.raw(change), location: SourceLocation(origin: stage.detail))
                }
            }
            sequence += Int64(elementOf.count)
            guard !lines.isEmpty else { return }
            for (element, error) in try await copyToStaging(lines, sequences: first..<sequence) {
                try failures.reject(RecordError("\(stage.table) rejected the change: \(error)"), rawInput: Self.raw(elements[element]),
                                    location: SourceLocation(origin: stage.detail, field: error.column))
            }
            let violations = try await withReconnection { writer in try writer.refusedChanges(from: first) }
            var refused = Set<Int>()
            for (seq, reason) in violations.sorted(by: { $0.key < $1.key }) {
                let element = elementOf[Int(seq - first)]
                guard refused.insert(element).inserted else { continue }
                try failures.reject(RecordError("\(stage.table) rejected the change: \(reason)"), rawInput: Self.raw(elements[element]),
                                    location: SourceLocation(origin: stage.detail))
            }
            if !refused.isEmpty {
                // Both lines of a refused key move go: half of it would alter the table.
                let seqs = elementOf.indices.filter { refused.contains(elementOf[$0]) }.map { String(first + Int64($0)) }
                _ = try await withReconnection { writer in
                    try writer.connection.simpleQuery("DELETE FROM \(writer.staging) WHERE _sluice_attempt = '\(writer.attempt)' AND _sluice_seq IN (\(seqs.joined(separator: ",")))")
                }
            }
        }

        /// The changes staged from `first` on that the table would refuse — a NULL in a NOT
        /// NULL column, a foreign key without its row, an unsent value no one has — removed
        /// from staging; by sequence number, with why.
        mutating func refusedChanges(from first: Int64) throws -> [Int64: String] {
            let batch = "s._sluice_attempt = '\(attempt)' AND s._sluice_seq >= \(first) AND s._sluice_seq < \(sequence)"
            var found = try PostgresConstraintCheck(target: target, mode: stage.mode, columns: columns, staged: staging,
                                                    batch: batch + " AND s._sluice_op IN ('i', 'u')").run(on: connection)
            for column in notNullColumns where columns.contains(column) {
                let name = PostgresTable.quoted(column)
                let rows = try connection.simpleQuery("""
                    SELECT s._sluice_seq FROM \(staging) s WHERE \(batch) AND s._sluice_op IN ('i', 'u') AND s.\(name) IS NULL
                    AND NOT (\(PostgresMerge.literal(column)) = ANY(s._sluice_unchanged))
                    """).last?.rows ?? []
                for row in rows {
                    guard let seq = row.first.flatMap({ $0.flatMap { Int64($0) } }) else { continue }
                    found[seq] = found[seq] ?? "null value in column \"\(column)\" violates its not-null constraint"
                }
            }
            let key = stage.mode.key.map(PostgresTable.quoted)
            let keyMatch = { (a: String, b: String) in key.map { "\(a).\($0) = \(b).\($0)" }.joined(separator: " AND ") }
            let current = { () -> String in
                if case .history = stage.mode { return " AND t.valid_to IS NULL" }
                return ""
            }()
            let unknown = try connection.simpleQuery("""
                SELECT s._sluice_seq, array_to_string(s._sluice_unchanged, ', ') FROM \(staging) s WHERE \(batch) AND s._sluice_toasted
                AND NOT EXISTS (SELECT 1 FROM \(target.qualifiedName) t WHERE \(keyMatch("t", "s"))\(current))
                AND NOT EXISTS (SELECT 1 FROM \(staging) e WHERE e._sluice_attempt = s._sluice_attempt AND \(keyMatch("e", "s"))
                                AND e._sluice_seq < s._sluice_seq AND e._sluice_op IN ('i', 'u'))
                """).last?.rows ?? []
            for row in unknown {
                guard let seq = row.first.flatMap({ $0.flatMap { Int64($0) } }) else { continue }
                found[seq] = found[seq] ?? "the update's row is not in the table, and its unchanged values (\(row.last.flatMap { $0 } ?? "")) were not sent: writing them as NULL would alter the row"
            }
            if !found.isEmpty {
                _ = try connection.simpleQuery("DELETE FROM \(staging) WHERE _sluice_attempt = '\(attempt)' AND _sluice_seq IN (\(found.keys.map(String.init).joined(separator: ",")))")
            }
            return found
        }

        func copyStatement() -> String {
            "COPY \(staging) (\(columns.map(PostgresTable.quoted).joined(separator: ", ")), _sluice_instance, _sluice_attempt, _sluice_segment, _sluice_seq, _sluice_op, _sluice_unchanged, _sluice_toasted, _sluice_time) FROM STDIN"
        }

        /// The staging lines of `change`: an update that moves its row to another key deletes
        /// the old key first.
        mutating func stagingLines(for change: Change<Row>, sequence: Int64) throws -> [[UInt8]] {
            guard change.operation == .update, let before = change.before else { return [try stagingLine(for: change, sequence: sequence)] }
            let oldKey = stage.mode.key.map { before[$0] }
            guard oldKey.allSatisfy({ $0 != nil }), oldKey != stage.mode.key.map({ change.key[$0] }) else {
                return [try stagingLine(for: change, sequence: sequence)]
            }
            var removal = change
            removal.operation = .delete
            removal.after = nil
            removal.unchangedColumns = []
            removal.key = Record(zip(stage.mode.key, oldKey).map { ($0, $1!) })
            removal.before = removal.key
            return [try stagingLine(for: removal, sequence: sequence), try stagingLine(for: change, sequence: sequence + 1)]
        }

        /// The staging line of `change`: the row's columns (NULL where it sends none), then
        /// what the merge needs to apply it.
        mutating func stagingLine(for change: Change<Row>, sequence: Int64) throws -> [UInt8] {
            var fields: [(name: String, value: PostgresFieldValue)] = []
            let op: String
            switch change.operation {
            case .insert, .update:
                guard let after = change.after else { throw RecordError("an \(change.operation.rawValue) of \(change.table) without its row") }
                fields = try PostgresRowEncoder.fields(of: after)
                op = change.operation == .insert ? "i" : "u"
            case .delete:
                fields = try PostgresRowEncoder.fields(of: change.before ?? change.key)
                for field in try PostgresRowEncoder.fields(of: change.key) where !fields.contains(where: { $0.name == field.name }) { fields.append(field) }
                op = "d"
            case .truncate:
                op = "t"
            }
            var byName: [String: PostgresFieldValue] = [:]
            // A delete needs its key only; its old row may name columns the rows do not carry.
            if op == "d" { fields.removeAll { !columns.contains($0.name) } }
            for field in fields {
                if case .history = stage.mode, field.name == "valid_from" || field.name == "valid_to" { continue }
                guard writable.contains(field.name) else {
                    throw PostgresSink<Row>.Writer.ConfigurationProblem(message: "the field '\(field.name)' of \(Row.self) has no column in the table \(stage.table) (it has \(writable.joined(separator: ", ")))")
                }
                guard columns.contains(field.name) || op == "d" else {
                    throw RecordError("the change has a field '\(field.name)' the first row did not have; it has no column among \(columns.joined(separator: ", "))")
                }
                byName[field.name] = field.value
            }
            if op != "t" {
                for column in stage.mode.key {
                    guard let value = byName[column], value != .null else {
                        throw RecordError("the change of \(change.table) has no value for the key column '\(column)'")
                    }
                }
            }
            // A value not sent keeps the one the key has; a column the row type lacks is not sent.
            var unchanged: [String] = []
            if op == "i" || op == "u" {
                unchanged = columns.filter { byName[$0] == nil || change.unchangedColumns.contains($0) }
                unchangedSeen.formUnion(unchanged)
            }
            var line: [UInt8] = []
            line.reserveCapacity(128)
            for (position, column) in columns.enumerated() {
                if position > 0 { line.append(UInt8(ascii: "\t")) }
                switch byName[column] ?? .null {
                case .null: line += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
                case .text(let text): PostgresCopyText.appendEscaped(text, to: &line)
                case .json(let json):
                    let written = target.column(column)?.type.elementType != nil ? try PostgresCopyText.arrayLiteral(fromJSON: json, column: column) : json
                    PostgresCopyText.appendEscaped(written, to: &line)
                }
            }
            let names = unchanged.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            line += Array("\t\(context.instance)\t\(attempt)\t\(segment)\t\(sequence)\t\(op)\t".utf8)
            PostgresCopyText.appendEscaped("{" + names.joined(separator: ",") + "}", to: &line)
            line += Array("\t\(change.unchangedColumns.isEmpty ? "f" : "t")\t\(PostgresCopyText.timestamp(change.commitTime))\n".utf8)
            return line
        }

        static func raw(_ change: Change<Row>) -> String {
            let row = change.after.flatMap { try? JSONRecordEncoder().encode($0) } ?? change.before.flatMap { try? JSONRecordEncoder().encode($0) }
                ?? (try? JSONRecordEncoder().encode(change.key)) ?? ""
            return "\(change.operation.rawValue) \(change.table) at \(change.commitLSN): \(row)"
        }
    }
}

extension Sink {
    /// Applies changes (from ``Source/postgresChanges(_:tables:slot:publication:as:snapshot:until:heartbeat:)``
    /// or made by hand) to `table`, exactly once with checkpoints: `.upsert(key:)` keeps the
    /// row of each key as the changes leave it (deletes included); `.history(key:)` keeps
    /// every version, valid from its commit time to the key's next change.
    ///
    /// ```swift
    /// Sink.postgres(warehouse, table: "customers", applying: Customer.self, mode: .upsert(key: ["id"]))
    /// ```
    public static func postgres<Row: Encodable & Sendable>(
        _ configuration: PostgresConfiguration, table: String, applying type: Row.Type, mode: PostgresSinkMode,
        retry: RetryPolicy = .postgresReconnection
    ) -> PostgresChangeSink<Row> {
        PostgresChangeSink(configuration: configuration, table: table, mode: mode, retry: retry)
    }
}

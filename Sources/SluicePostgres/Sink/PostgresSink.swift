import SluiceNetwork
import Foundation
import SluiceConnectors
import SluiceCore
import SluiceCrypto

/// Delivers elements into a PostgreSQL table, exactly once.
///
/// Rows move with `COPY` into a staging table beside the target (`_sluice_<digest>`), tagged
/// with the writer's run and segment; a row the database rejects there (a type, length,
/// NOT NULL or CHECK violation) and, in append mode, a row that would break a unique or
/// foreign key goes to the stage's error policy with the SQLSTATE and constraint, and the
/// rest go on. With checkpoints, a checkpoint's rows are staged before its barrier completes
/// and merged when it commits, in one transaction that also records the commit in
/// `sluice_commits`: a commit replayed after a crash finds its record and merges nothing.
/// Without checkpoints (and with one instance, appending or upserting) the run is one
/// transaction that COPYs rows straight into the table (``PostgresDirectLoad``): a failed run,
/// or one whose connection drops, writes nothing.
public struct PostgresSink<Input: Encodable & Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let configuration: PostgresConfiguration
    let table: String
    let mode: PostgresSinkMode
    let retry: RetryPolicy
    /// The statements that create the table from the element type, when asked to.
    let tableDefinition: (@Sendable () throws -> [String])?

    init(configuration: PostgresConfiguration, table: String, mode: PostgresSinkMode, retry: RetryPolicy,
         tableDefinition: (@Sendable () throws -> [String])? = nil) {
        self.configuration = configuration
        self.table = table
        self.mode = mode
        self.retry = retry
        self.tableDefinition = tableDefinition
    }

    /// `postgres`.
    public var defaultName: String { "postgres" }
    /// The server, database and table (never the password), and the mode.
    public var detail: String { "\(configuration) table \(table) (\(mode))" }

    /// Merges a saved transaction with the sink's own connection settings.
    public var transactionPublisher: (@Sendable ([UInt8]) throws -> Void)? {
        PostgresMerge.publisher(configuration: configuration, retry: retry)
    }

    /// Connects, reads the table's columns and constraints, and creates the staging and
    /// commits tables when they are missing.
    public func makeWriter(_ context: StageContext) async throws -> Writer {
        let stage = self
        return try await PostgresReconnection.retrying(retry) { _ in
            try await BlockingCall.run { BlockingCall.Handed(value: try Writer(stage: stage, context: context)) }.value
        }
    }

    /// The running form of ``PostgresSink``.
    public struct Writer: TransactionalSinkWriter, PostgresStagingWriter {
        public typealias Transaction = PostgresSinkTransaction

        let stage: PostgresSink
        let context: StageContext
        var connection: PostgresConnection
        let target: PostgresTable
        let staging: String
        let attempt = UUID().uuidString.lowercased()
        var configuration: PostgresConfiguration { stage.configuration }
        var retry: RetryPolicy { stage.retry }
        var columns: [String]?
        /// Writes elements as COPY text, once the first element fixed the columns.
        var fastEncoder: PostgresCopyRowEncoder?
        var segment: Int64 = 0
        var sequence: Int64 = 0
        /// The staging columns every line of a segment ends with, but the sequence number.
        var stagingTag: (segment: Int64, bytes: [UInt8]) = (-1, [])
        /// Whether this run loads in one transaction, without staging (no checkpoints).
        let isDirect: Bool
        /// The direct load, once the first element fixed the columns.
        var direct: PostgresDirectLoad?
        /// The chunks of the direct load's open window, each with the window index of its
        /// first element: the raw input of refused rows (kept whole, not copied element by element).
        var windowChunks: [(base: Int, elements: [Input])] = []
        var windowCount = 0

        init(stage: PostgresSink, context: StageContext) throws {
            self.stage = stage
            self.context = context
            // Parallel instances in open transactions could wait on each other's keys for
            // ever; history compares with current versions, which staging does in one place.
            switch stage.mode {
            case .append, .upsert: isDirect = !context.isCheckpointed && context.parallelism == 1
            case .history: isDirect = false
            }
            let connection = try PostgresConnection(stage.configuration)
            do {
                var loaded = try PostgresTable.load(stage.table, on: connection)
                if loaded == nil, let define = stage.tableDefinition {
                    for statement in try define() {
                        // Another instance may create it at the same moment.
                        do { _ = try connection.simpleQuery(statement) } catch let error as PostgresError where ["42P07", "23505"].contains(error.sqlState) {}
                    }
                    loaded = try PostgresTable.load(stage.table, on: connection)
                }
                guard let target = loaded else {
                    throw RecordError("the table \(stage.table) does not exist on \(stage.configuration); create it, or pass createTable: true")
                }
                self.target = target
                switch stage.mode {
                case .append: break
                case .upsert(let key), .history(let key):
                    for column in key where target.column(column) == nil {
                        throw RecordError("the key column '\(column)' is not in the table \(stage.table) (it has \(target.columns.map(\.name).joined(separator: ", ")))")
                    }
                    if case .history = stage.mode {
                        for column in ["valid_from", "valid_to"] where target.column(column)?.type != .timestamptz {
                            throw RecordError("history mode needs a column '\(column)' of type timestamptz in the table \(stage.table)")
                        }
                    }
                }
                let digest = hexadecimal(SHA256.hash(Array("\(context.pipelineName)\u{0}\(context.stageName)\u{0}\(target.qualifiedName)".utf8)).prefix(8))
                staging = PostgresTable.quoted(target.schema) + "." + PostgresTable.quoted("_sluice_" + digest)
                if isDirect {
                    try Self.tolerant(PostgresMerge.createCommitsTable, on: connection)
                    try PostgresDirectLoad.begin(on: connection)
                } else {
                    try Self.prepare(staging: staging, for: target, mode: stage.mode, on: connection)
                }
                self.connection = connection
            } catch {
                connection.close()
                throw error
            }
            if !context.isCheckpointed && !isDirect { try discardStaged() }
        }

        /// Runs `sql`, ignoring that another instance created the same object at the same moment.
        static func tolerant(_ sql: String, on connection: PostgresConnection) throws {
            do { _ = try connection.simpleQuery(sql) } catch let error as PostgresError where ["42P07", "23505", "42710"].contains(error.sqlState) {}
        }

        /// Creates the commits table and the staging table (with the target's defaults,
        /// NOT NULL and CHECK constraints, and in append mode its unique keys) when missing.
        static func prepare(staging: String, for target: PostgresTable, mode: PostgresSinkMode, on connection: PostgresConnection) throws {
            func tolerant(_ sql: String) throws { try Self.tolerant(sql, on: connection) }
            try tolerant(PostgresMerge.createCommitsTable)
            try tolerant("""
                CREATE TABLE IF NOT EXISTS \(staging) (LIKE \(target.qualifiedName) INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                    _sluice_instance int NOT NULL, _sluice_attempt uuid NOT NULL, _sluice_segment bigint NOT NULL, _sluice_seq bigint NOT NULL)
                """)
            if case .history = mode {
                _ = try connection.simpleQuery("ALTER TABLE \(staging) ALTER COLUMN valid_from DROP NOT NULL, ALTER COLUMN valid_to DROP NOT NULL")
            }
            // Under a publication of all tables, a table without a replica identity cannot
            // delete rows, and the staging table has no key: its whole row is the identity.
            _ = try connection.simpleQuery("ALTER TABLE \(staging) REPLICA IDENTITY FULL")
            let indexBase = bareName(staging)
            try tolerant("CREATE INDEX IF NOT EXISTS \(PostgresTable.quoted(indexBase + "_seq")) ON \(staging) (_sluice_attempt, _sluice_seq)")
            if case .append = mode {
                // Two rows of one load with the same unique key: the second fails its COPY line.
                for (number, constraint) in target.constraints.enumerated() {
                    guard case .unique = constraint.kind else { continue }
                    let columns = constraint.columns.map(PostgresTable.quoted).joined(separator: ", ")
                    try tolerant("CREATE UNIQUE INDEX IF NOT EXISTS \(PostgresTable.quoted(indexBase + "_u\(number)")) ON \(staging) (_sluice_attempt, \(columns))")
                }
            }
        }

        public mutating func recover(after committed: PostgresSinkTransaction?) async throws {
            // The restored checkpoint's transaction was committed (again) before writers open:
            // what is still staged belongs to checkpoints that never completed.
            try await withReconnection { writer in try writer.discardStaged() }
        }

        public mutating func preCommit(_ checkpoint: CheckpointID) async throws -> PostgresSinkTransaction {
            defer { segment += 1 }
            return transaction(checkpoint: checkpoint == .final ? nil : Int64(exactly: checkpoint.rawValue))
        }

        func transaction(checkpoint: Int64?) -> PostgresSinkTransaction {
            PostgresSinkTransaction(pipeline: context.pipelineName, sink: context.stageName, attempt: attempt, segment: segment,
                                    checkpoint: checkpoint, table: target.qualifiedName, staging: staging,
                                    columns: columns ?? [], mode: stage.mode)
        }

        public static func commit(_ transaction: PostgresSinkTransaction) throws {
            throw RecordError("a PostgreSQL sink commits through its stage's settings, not the writer type")
        }

        /// Without checkpoints, loading directly: records the run in the commits table inside
        /// its transaction, so that a COMMIT whose answer is lost can be looked up.
        public mutating func prepareToFinish() async throws {
            guard isDirect, direct != nil else { return }
            let transaction = transaction(checkpoint: nil)
            let refused = try await inTransaction { writer -> [PostgresDirectLoad.Refusal] in
                // The runtime flushes before this; a window still open has nowhere to report to.
                let refused = try writer.direct!.endWindow(on: writer.connection)
                if refused.isEmpty { try writer.direct!.prepareCommit(transaction, on: writer.connection) }
                return refused
            }
            if let first = refused.first {
                throw RecordError("\(stage.table) refused \(refused.count) rows after the last flush, and the load was not committed: \(first.reason)")
            }
        }

        public mutating func finish() async throws {
            defer { connection.close() }
            guard !context.isCheckpointed else { return }
            let (transaction, configuration, retry, connection) = (transaction(checkpoint: nil), stage.configuration, stage.retry, connection)
            if isDirect {
                guard direct != nil else {
                    // Nothing was written: there is nothing to lose if this COMMIT fails.
                    _ = try? await BlockingCall.run { try connection.simpleQuery("COMMIT") }
                    return
                }
                try await BlockingCall.run {
                    try PostgresDirectLoad.commit(transaction, on: connection, configuration: configuration, retry: retry)
                }
            } else if columns != nil {
                try await BlockingCall.run { try PostgresMerge.commit(transaction, configuration: configuration, retry: retry) }
            }
        }

        public mutating func abort() async {
            if isDirect {
                _ = try? connection.simpleQuery("ROLLBACK")
            } else {
                try? discardStaged()
            }
            connection.close()
        }

        /// Runs `body` on the run's transaction, on a Dispatch thread. A dropped connection
        /// loses the transaction: the run fails, and nothing of it is written.
        mutating func inTransaction<T>(_ body: @escaping (inout Writer) throws -> T) async throws -> T {
            let handed = BlockingCall.Handed(value: self)
            let outcome = try await BlockingCall.run {
                var writer = handed.value
                let result = Result<T, any Error> { try body(&writer) }
                return BlockingCall.Handed(value: (writer, result))
            }
            self = outcome.value.0
            do {
                return try outcome.value.1.get()
            } catch where PostgresReconnection.isTransient(error) {
                throw RecordError("""
                    the connection to \(stage.configuration) was lost while loading \(stage.table) in one transaction (a run without \
                    checkpoints): nothing of the run was written; with checkpoints the sink stages rows and survives this (\(error))
                    """)
            }
        }

        public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            if isDirect { return try await writeDirectly(elements, failures: &failures) }
            var lines: [(element: Int, bytes: [UInt8])] = []
            lines.reserveCapacity(elements.count)
            let first = sequence
            for (index, element) in elements.enumerated() {
                do {
                    lines.append((index, try stagingLine(for: element, sequence: first + Int64(index))))
                } catch let error as ConfigurationProblem {
                    throw RecordError(error.message)
                } catch {
                    try failures.reject(error, rawInput: Self.raw(element), location: SourceLocation(origin: stage.detail))
                }
            }
            sequence += Int64(elements.count)
            guard !lines.isEmpty else { return }
            for (element, error) in try await copyToStaging(lines, sequences: first..<sequence) {
                try failures.reject(RecordError("\(stage.table) rejected the row: \(inTargetTerms(error))"), rawInput: Self.raw(elements[element]),
                                    location: SourceLocation(origin: stage.detail, field: error.column))
            }
            let violations = try await withReconnection { writer in try writer.constraintViolations(from: first) }
            for (seq, reason) in violations.sorted(by: { $0.key < $1.key }) {
                try failures.reject(RecordError("\(stage.table) rejected the row: \(reason)"), rawInput: Self.raw(elements[Int(seq - first)]),
                                    location: SourceLocation(origin: stage.detail))
            }
        }

        /// Loads `elements` straight into the table, in the run's transaction: they join the
        /// open COPY window (``PostgresDirectLoad``), encoded on the blocking call's thread as
        /// they are sent; a full window is ended, and the rows it refused are reported.
        mutating func writeDirectly(_ elements: [Input], failures: inout RecordFailures) async throws {
            // The first element that encodes fixes the columns.
            var first = 0
            var firstRow: [UInt8]?
            while columns == nil && first < elements.count {
                do {
                    firstRow = try rowText(for: elements[first])
                } catch let error as ConfigurationProblem {
                    throw RecordError(error.message)
                } catch {
                    try failures.reject(error, rawInput: Self.raw(elements[first]), location: SourceLocation(origin: stage.detail))
                }
                first += 1
            }
            guard let encoder = fastEncoder, let columns else { return }
            if direct == nil { direct = PostgresDirectLoad(target: target, mode: stage.mode, columns: columns) }
            let skipped = firstRow == nil ? first : first - 1
            let base = windowCount
            windowChunks.append((base, elements))
            windowCount += elements.count
            let (unencodable, refused) = try await inTransaction { writer -> ([(Int, any Error)], [PostgresDirectLoad.Refusal]) in
                var unencodable: [(Int, any Error)] = []
                let load = writer.direct!
                var encodingError: (any Error)?
                for index in skipped..<elements.count {
                    do {
                        try load.appendRow(element: base + index, on: writer.connection) { bytes in
                            if index == skipped, let firstRow { return bytes.append(contentsOf: firstRow) }
                            do { try encoder.append(elements[index], to: &bytes) } catch {
                                encodingError = error
                                throw error
                            }
                        }
                    } catch let error where encodingError != nil {
                        // The element, not the session: it is refused, and the rest go on.
                        unencodable.append((index, error))
                        encodingError = nil
                    }
                }
                guard writer.direct!.isWindowFull else { return (unencodable, []) }
                return (unencodable, try writer.direct!.endWindow(on: writer.connection))
            }
            for (index, error) in unencodable {
                try failures.reject(error, rawInput: Self.raw(elements[index]), location: SourceLocation(origin: stage.detail))
            }
            try report(refused, failures: &failures)
        }

        /// Ends the open COPY window, reporting the rows the table refused.
        public mutating func flush(failures: inout RecordFailures) async throws {
            guard isDirect, direct?.hasOpenWindow == true else { return }
            let refused = try await inTransaction { writer in try writer.direct!.endWindow(on: writer.connection) }
            try report(refused, failures: &failures)
        }

        /// Reports the window's refused rows and lets its elements go.
        mutating func report(_ refused: [PostgresDirectLoad.Refusal], failures: inout RecordFailures) throws {
            let chunks = windowChunks
            if direct?.hasOpenWindow == false {
                windowChunks = []
                windowCount = 0
            }
            for refusal in refused.sorted(by: { $0.element < $1.element }) {
                // The last chunk that starts at or before the refused element holds it.
                guard let chunk = chunks.last(where: { $0.base <= refusal.element }), refusal.element - chunk.base < chunk.elements.count else {
                    throw RecordError("\(stage.table) refused row \(refusal.element) of a COPY window of \(windowCount) rows, which it does not hold: \(refusal.reason)")
                }
                try failures.reject(RecordError("\(stage.table) rejected the row: \(refusal.reason)"),
                                    rawInput: Self.raw(chunk.elements[refusal.element - chunk.base]),
                                    location: SourceLocation(origin: stage.detail, field: refusal.column))
            }
        }

        /// The rows staged from `first` on that a unique key (append mode) or a foreign key
        /// of the table would refuse, removed from staging; by sequence number, with why.
        mutating func constraintViolations(from first: Int64) throws -> [Int64: String] {
            guard let columns else { return [:] }
            let batch = "s._sluice_attempt = '\(attempt)' AND s._sluice_seq >= \(first) AND s._sluice_seq < \(sequence)"
            let found = try PostgresConstraintCheck(target: target, mode: stage.mode, columns: columns, staged: staging, batch: batch).run(on: connection)
            if !found.isEmpty {
                _ = try connection.simpleQuery("DELETE FROM \(staging) WHERE _sluice_attempt = '\(attempt)' AND _sluice_seq IN (\(found.keys.map(String.init).joined(separator: ",")))")
            }
            return found
        }

        /// The error in the words of the target table: the staging table and its unique
        /// indexes are named after the table and the constraints they stand for.
        func inTargetTerms(_ error: PostgresError) -> String {
            var text = "\(error)"
            let base = Self.bareName(staging)
            for (number, constraint) in target.constraints.enumerated() {
                text = text.replacingOccurrences(of: "\(base)_u\(number)", with: constraint.name)
            }
            text = text.replacingOccurrences(of: "_sluice_attempt, ", with: "")
            text = text.replacingOccurrences(of: "(\(attempt), ", with: "(")
            return text.replacingOccurrences(of: base, with: target.name + " (staging)")
        }

        static func bareName(_ quoted: String) -> String {
            quoted.split(separator: ".").last.map { String($0.dropFirst().dropLast()) } ?? quoted
        }

        func copyStatement() -> String {
            "COPY \(staging) (\((columns ?? []).map(PostgresTable.quoted).joined(separator: ", ")), _sluice_instance, _sluice_attempt, _sluice_segment, _sluice_seq) FROM STDIN"
        }

        static func raw(_ element: Input) -> String {
            (try? JSONRecordEncoder().encode(element)) ?? String(describing: element)
        }

        /// A mistake in the sink's setup, found on the first element: it fails the run.
        struct ConfigurationProblem: Error { let message: String }

        /// The COPY text of `element`'s columns, tab-separated, without the line's end; the
        /// first element fixes the columns.
        mutating func rowText(for element: Input) throws -> [UInt8] {
            if let fastEncoder { return try fastEncoder.text(of: element) }
            let fields = try PostgresRowEncoder.fields(of: element)
            if columns == nil {
                for field in fields where target.column(field.name) == nil {
                    throw ConfigurationProblem(message: "the field '\(field.name)' of \(Input.self) has no column in the table \(stage.table) (it has \(target.columns.map(\.name).joined(separator: ", ")))")
                }
                var names = fields.map(\.name)
                if case .history = stage.mode { names.removeAll { $0 == "valid_from" || $0 == "valid_to" } }
                switch stage.mode {
                case .append: break
                case .upsert(let key), .history(let key):
                    for column in key where !names.contains(column) {
                        throw ConfigurationProblem(message: "\(Input.self) has no field for the key column '\(column)' of \(stage.table)")
                    }
                }
                columns = names
                fastEncoder = PostgresCopyRowEncoder(columns: names, isKey: names.map(stage.mode.key.contains),
                                                     isArray: names.map { target.column($0)?.type.elementType != nil },
                                                     ignoredFields: Set(fields.map(\.name)).subtracting(names))
            }
            return try fastEncoder!.generalText(of: fields)
        }

        /// The staging line for `element`: its columns, then the staging columns.
        mutating func stagingLine(for element: Input, sequence: Int64) throws -> [UInt8] {
            var line = try rowText(for: element)
            if stagingTag.segment != segment {
                stagingTag = (segment, Array("\t\(context.instance)\t\(attempt)\t\(segment)\t".utf8))
            }
            line += stagingTag.bytes
            line += Array(String(sequence).utf8)
            line.append(UInt8(ascii: "\n"))
            return line
        }
    }
}

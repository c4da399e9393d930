import SluiceNetwork
import SluiceConnectors
import SluiceCore

/// What the writers that stage rows before merging them (``PostgresSink``'s and
/// ``PostgresChangeSink``'s) share: a session replaced when its connection drops, COPY into the
/// staging table with refused lines taken out, and the clean-up of rows no checkpoint covers.
protocol PostgresStagingWriter {
    /// The writer's session; replaced by a new one when the connection drops.
    var connection: PostgresConnection { get set }
    var configuration: PostgresConfiguration { get }
    var retry: RetryPolicy { get }
    var context: StageContext { get }
    /// The staging table, quoted.
    var staging: String { get }
    /// This writer's run, which tags its staged rows.
    var attempt: String { get }
    /// The COPY statement of the staging lines.
    func copyStatement() -> String
}

extension PostgresStagingWriter {
    /// Runs `body` on the session, and once more on a new one when the connection dropped.
    /// It runs on a Dispatch thread (``BlockingCall``): a COPY waits for the server, and must
    /// not hold one of the cooperative pool's few threads meanwhile.
    mutating func withReconnection<T>(_ body: @escaping (inout Self) throws -> T) async throws -> T {
        try await PostgresReconnection.retrying(retry) { attempt in
            let handed = BlockingCall.Handed(value: self)
            let outcome = try await BlockingCall.run {
                var writer = handed.value
                // The writer comes back even when the call fails: it holds the new session.
                let result = Result<T, any Error> {
                    if attempt > 1 {
                        writer.connection.close()
                        writer.connection = try PostgresConnection(writer.configuration)
                    }
                    return try body(&writer)
                }
                return BlockingCall.Handed(value: (writer, result))
            }
            self = outcome.value.0
            return try outcome.value.1.get()
        }
    }

    /// COPYs `lines`, numbered `sequences`, into the staging table. A line the server refuses
    /// is taken out and the rest are sent again; a dropped connection is retried on a new
    /// session, after removing what the interrupted COPY may have landed. Returns the refused
    /// lines' elements, with why.
    mutating func copyToStaging(_ lines: [(element: Int, bytes: [UInt8])], sequences: Range<Int64>) async throws -> [(element: Int, error: PostgresError)] {
        var refused: [(element: Int, error: PostgresError)] = []
        var retried = false
        try await withReconnection { writer in
            refused = []
            if retried {
                _ = try writer.connection.simpleQuery("""
                    DELETE FROM \(writer.staging) WHERE _sluice_attempt = '\(writer.attempt)' AND _sluice_seq >= \(sequences.lowerBound) AND _sluice_seq < \(sequences.upperBound)
                    """)
            }
            retried = true
            var remaining = lines
            while !remaining.isEmpty {
                do {
                    _ = try writer.connection.copyIn(writer.copyStatement(), data: remaining.map(\.bytes))
                    break
                } catch let error as PostgresError {
                    guard let line = error.copyLine, line >= 1, line <= remaining.count else { throw error }
                    refused.append((remaining[line - 1].element, error))
                    remaining.remove(at: line - 1)
                }
            }
        }
        return refused
    }

    /// Deletes staged rows no committed checkpoint covers: this instance's, and instance 0
    /// also those of instances a smaller parallelism no longer runs.
    func discardStaged() throws {
        var condition = "_sluice_instance = \(context.instance)"
        if context.instance == 0 { condition += " OR _sluice_instance >= \(context.parallelism)" }
        _ = try connection.simpleQuery("DELETE FROM \(staging) WHERE \(condition)")
    }
}

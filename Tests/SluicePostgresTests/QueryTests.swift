import Foundation
import Testing
@testable import SluicePostgres

/// The extended protocol on a real server: parameters, a large result streamed through a
/// portal in bounded batches, errors in the middle of a result, and cancelling a running query.
@Suite struct QueryTests {
    @Test func aLargeResultStreamsInBatchesOfTheFetchSize() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        var batches: [Int] = [], total = 0, last = 0, ordered = true
        let tag = try connection.query("SELECT i, 'row ' || i FROM generate_series(1, 100000) AS i", fetchSize: 1_000) { rows in
            #expect(rows.first?.columns.names == ["i", "?column?"])
            batches.append(rows.count)
            for row in rows {
                let i = Int(row[text: 0] ?? "") ?? -1
                ordered = ordered && i == last + 1 && row[text: 1] == "row \(i)"
                last = i
            }
            total += rows.count
        }
        #expect(tag == "SELECT 100000")
        #expect(total == 100_000 && ordered)
        #expect(batches.max() == 1_000 && batches.count == 100)
    }

    @Test func parametersAreBoundNotSpliced() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        var seen: [[String?]] = []
        try connection.query("SELECT $1::int + 1, $2::text, $3::text, $2::text = 'x''; DROP TABLE t; --'",
                             parameters: ["41", "x'; DROP TABLE t; --", nil]) { rows in seen += rows.map(\.texts) }
        #expect(seen == [["42", "x'; DROP TABLE t; --", nil, "t"]])
        let tag = try connection.query("SELECT 1 WHERE false") { _ in Issue.record("no rows expected") }
        #expect(tag == "SELECT 0")
    }

    @Test func anErrorInTheMiddleOfAResultEndsTheQueryNotTheSession() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        var received = 0
        #expect { try connection.query("SELECT 100 / (i - 5000) FROM generate_series(1, 10000) AS i", fetchSize: 100) { rows in
            received += rows.count
        } } throws: { ($0 as? PostgresError)?.sqlState == "22012" }
        #expect(received < 5_000)
        struct Stop: Error {}
        #expect(throws: Stop.self) { try connection.query("SELECT generate_series(1, 10000)", fetchSize: 10) { _ in throw Stop() } }
        var after: [[String?]] = []
        try connection.query("SELECT 'still here'") { rows in after += rows.map(\.texts) }
        #expect(after == [["still here"]])
    }

    @Test func cancellingARunningQueryEndsItWith57014() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        let canceller = try #require(connection.canceller)
        let started = Date()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { try? canceller.cancel() }
        #expect { try connection.simpleQuery("SELECT pg_sleep(30)") } throws: { ($0 as? PostgresError)?.sqlState == "57014" }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try connection.simpleQuery("SELECT 1")[0].rows == [["1"]])
    }
}

extension PostgresRow {
    /// Every value as text.
    var texts: [String?] { values.indices.map { self[text: $0] } }
}

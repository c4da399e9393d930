import Foundation
import Testing
@testable import SluicePostgres

/// COPY on a real server: loading and reading back 50,000 rows, a bad row failing the whole
/// load with its line, and a failing data source aborting it.
@Suite struct CopyTests {
    @Test func rowsCopiedInComeBackOutUnchanged() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        _ = try connection.simpleQuery("CREATE TEMP TABLE items (id int PRIMARY KEY, name text, note text)")
        let rows = (1...50_000).map { id in Array("\(id)\tZoë \(id)\t\(id % 10 == 0 ? "\\N" : "tab\\there")\n".utf8) }
        #expect(try connection.copyIn("COPY items FROM STDIN", data: rows) == "COPY 50000")
        var copied: [UInt8] = []
        let tag = try connection.copyOut("COPY (SELECT * FROM items ORDER BY id) TO STDOUT") { copied += $0 }
        #expect(tag == "COPY 50000")
        #expect(copied == Array(rows.joined()))
        #expect(try connection.simpleQuery("SELECT count(*), count(note) FROM items")[0].rows == [["50000", "45000"]])
        // Through simpleQuery, COPY's data would be lost: it is an error instead.
        #expect { try connection.simpleQuery("COPY items TO STDOUT") } throws: { ($0 as? PostgresError)?.sqlState == "0A000" }
        #expect(try connection.simpleQuery("SELECT 1")[0].rows == [["1"]])
    }

    @Test func aBadRowFailsTheWholeLoadNamingItsLine() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        _ = try connection.simpleQuery("CREATE TEMP TABLE numbers (n int)")
        let data = ["1\n", "2\n", "three\n", "4\n"].map { Array($0.utf8) }
        #expect { try connection.copyIn("COPY numbers FROM STDIN", data: data) } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.sqlState == "22P02" && (error.where ?? "").contains("line 3")
        }
        struct SourceBroke: Error {}
        var sent = 0
        #expect(throws: SourceBroke.self) {
            try connection.copyIn("COPY numbers FROM STDIN") {
                sent += 1
                if sent == 100 { throw SourceBroke() }
                return Array("\(sent)\n".utf8)
            }
        }
        #expect(try connection.simpleQuery("SELECT count(*) FROM numbers")[0].rows == [["0"]], "nothing of either load is kept")
    }
}

import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing
@testable import SluicePostgres

/// `Sink.postgres(…, applying:)` on a real server: a change stream keeps a copy of a table
/// equal to it exactly once across a failed run, unchanged TOAST values keep theirs, history
/// keeps every version, and what cannot be applied is a dead letter, never a NULL.
@Suite(.serialized) struct PostgresChangeSinkTests {
    static func execute(_ sql: String, _ configuration: PostgresConfiguration) throws -> [[String?]] {
        try PostgresSinkTests.rows(sql, configuration)
    }

    struct Row: Codable, Sendable { var id: Int; var name: String }

    @Test func aCopyKeptByUpsertingChangesEqualsTheTableAcrossAFailedRunWhileAWriterChangesIt() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try PostgresChangeSnapshotTests.reset("cdc_apply", rows: 3_000, configuration)
        _ = try Self.execute("DROP TABLE IF EXISTS cdc_apply_copy; CREATE TABLE cdc_apply_copy (id int PRIMARY KEY, name text NOT NULL)", configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let writer = PostgresChangeSnapshotTests.Writer(table: "cdc_apply", firstNewID: 50_001, existing: 3_000, configuration)
        struct Crash: Error {}
        let seen = Atomic(0)
        func run(crashAt: Int?) async throws {
            _ = try await Pipeline("cdc-apply") {
                Source.postgresChanges(configuration, tables: ["cdc_apply"], slot: "cdc_apply_slot", as: Row.self, until: .currentLogEnd)
                Map { (change: Change<Row>) throws -> Change<Row> in
                    if seen.add(1, ordering: .relaxed).newValue == crashAt { throw Crash() }
                    return change
                }
                Sink.postgres(configuration, table: "cdc_apply_copy", applying: Row.self, mode: .upsert(key: ["id"]))
            }.run(options: RunOptions(chunkSize: 100), checkpoints: .every(.milliseconds(15), in: state.path))
        }
        await #expect(throws: (any Error).self) { try await run(crashAt: 2_000) }
        try await run(crashAt: nil)
        writer.stop()
        try await run(crashAt: nil)
        let source = try Self.execute("SELECT id, name FROM cdc_apply ORDER BY id", configuration)
        let copy = try Self.execute("SELECT id, name FROM cdc_apply_copy ORDER BY id", configuration)
        #expect(source.count > 2_500 && source == copy, "\(source.count) rows, \(copy.count) copied")
        #expect(writer.transactions.load(ordering: .relaxed) > 0)
    }

    struct Document: Codable, Sendable, Equatable { var id: Int; var title: String; var body: String? }

    static func resetDocuments(_ configuration: PostgresConfiguration, slot: String) throws {
        _ = try execute("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '\(slot)';
            DROP PUBLICATION IF EXISTS \(slot)_publication;
            """, configuration)
    }

    @Test func unchangedLargeValuesKeepTheirsHistoryKeepsEveryVersionAndAnUnknowableValueIsADeadLetter() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.resetDocuments(configuration, slot: "docs_upsert")
        try Self.resetDocuments(configuration, slot: "docs_history")
        _ = try Self.execute("""
            DROP TABLE IF EXISTS docs, docs_copy, docs_history;
            CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL);
            ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
            CREATE TABLE docs_copy (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL);
            CREATE TABLE docs_history (id int NOT NULL, title text NOT NULL, body text NOT NULL, valid_from timestamptz NOT NULL, valid_to timestamptz);
            """, configuration)
        func body(_ seed: Int) -> String { String((0..<9_000).map { Character(UnicodeScalar(UInt8(97 + ($0 * 7 + seed) % 26))) }) }
        func capture(slot: String, into table: String, mode: PostgresSinkMode, state: String) async throws -> RunReport {
            try await Pipeline("docs-\(slot)") {
                Source.postgresChanges(configuration, tables: ["docs"], slot: slot, as: Document.self, until: .currentLogEnd)
                Sink.postgres(configuration, table: table, applying: Document.self, mode: mode).onError(.deadLetter)
            }.run(options: RunOptions(chunkSize: 2), checkpoints: .every(.milliseconds(10), in: state))
        }
        let state = try TemporaryDirectory()
        defer { state.remove() }
        _ = try await capture(slot: "docs_upsert", into: "docs_copy", mode: .upsert(key: ["id"]), state: state.path + "/u")
        _ = try await capture(slot: "docs_history", into: "docs_history", mode: .history(key: ["id"]), state: state.path + "/h")
        _ = try Self.execute("INSERT INTO docs VALUES (1, 'one', '\(body(1))'), (2, 'two', '\(body(2))'), (3, 'three', '\(body(3))')", configuration)
        _ = try Self.execute("UPDATE docs SET title = 'one, retitled' WHERE id = 1", configuration)   // body not sent
        _ = try Self.execute("BEGIN; INSERT INTO docs VALUES (4, 'four', '\(body(4))'); UPDATE docs SET title = 'four, at once' WHERE id = 4; COMMIT", configuration)
        _ = try Self.execute("DELETE FROM docs WHERE id = 2", configuration)
        _ = try Self.execute("UPDATE docs SET title = 'three, retitled', body = 'short now' WHERE id = 3", configuration)
        _ = try await capture(slot: "docs_upsert", into: "docs_copy", mode: .upsert(key: ["id"]), state: state.path + "/u")
        let history = try await capture(slot: "docs_history", into: "docs_history", mode: .history(key: ["id"]), state: state.path + "/h")
        #expect(history.totalDeadLettered == 0)
        #expect(try Self.execute("SELECT id, title, md5(body) FROM docs_copy ORDER BY id", configuration)
                == Self.execute("SELECT id, title, md5(body) FROM docs ORDER BY id", configuration))
        let versions = try Self.execute("""
            SELECT id, title, length(body)::text || ' ' || left(body, 6), valid_to IS NULL FROM docs_history ORDER BY id, valid_from
            """, configuration)
        func start(_ seed: Int) -> String { "9000 " + body(seed).prefix(6) }
        #expect(versions == [["1", "one", start(1), "f"], ["1", "one, retitled", start(1), "t"],
                             ["2", "two", start(2), "f"],
                             ["3", "three", start(3), "f"], ["3", "three, retitled", "9 short ", "t"],
                             ["4", "four, at once", start(4), "t"]], "\(versions)")
        #expect(try Self.execute("SELECT count(*) FROM docs_history h JOIN docs d USING (id, title, body) WHERE h.valid_to IS NULL", configuration) == [["3"]])

        // A copy that lacks the row cannot know the value an update did not send.
        _ = try Self.execute("DELETE FROM docs_copy WHERE id = 1; UPDATE docs SET title = 'one, again' WHERE id = 1", configuration)
        let report = try await capture(slot: "docs_upsert", into: "docs_copy", mode: .upsert(key: ["id"]), state: state.path + "/u")
        #expect(report.totalDeadLettered == 1)
        #expect(report.deadLetters.first.map { $0.error.contains("unchanged values (body) were not sent") } == true, "\(report.deadLetters)")
        #expect(try Self.execute("SELECT count(*) FROM docs_copy WHERE id = 1", configuration) == [["0"]])
    }

    @Test func aVersionReplacedInItsOwnTransactionAcrossACheckpointLeavesNoEmptyVersion() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        _ = try Self.execute("""
            DROP TABLE IF EXISTS split_history;
            CREATE TABLE split_history (id int NOT NULL, title text NOT NULL, body text, valid_from timestamptz NOT NULL, valid_to timestamptz);
            """, configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let committed = Date(timeIntervalSince1970: 1_800_000_000), later = committed.addingTimeInterval(60)
        let changes = [
            Change<Document>(operation: .insert, table: "public.docs", after: Document(id: 4, title: "four", body: "b"), key: Record([("id", .int(4))]),
                             commitLSN: PostgresLSN(100), commitTime: committed, transactionID: 7, sequence: 1),
            Change<Document>(operation: .update, table: "public.docs", after: Document(id: 4, title: "four, at once", body: "b"), key: Record([("id", .int(4))]),
                             commitLSN: PostgresLSN(100), commitTime: committed, transactionID: 7, sequence: 2),
            Change<Document>(operation: .update, table: "public.docs", after: Document(id: 4, title: "four, later", body: "b"), key: Record([("id", .int(4))]),
                             commitLSN: PostgresLSN(200), commitTime: later, transactionID: 8, sequence: 1),
        ]
        _ = try await Pipeline("split-history") {
            // A change every 100 ms, a checkpoint every 10: the transaction's two are merged apart.
            Source.events(count: changes.count, perSecond: 10) { index, _ in changes[index] }
            Sink.postgres(configuration, table: "split_history", applying: Document.self, mode: .history(key: ["id"]))
        }.run(options: RunOptions(chunkSize: 1), checkpoints: .every(.milliseconds(10), in: state.path))
        #expect(try Self.execute("SELECT title, valid_from = to_timestamp(1800000000), valid_to IS NULL FROM split_history ORDER BY valid_from", configuration)
                == [["four, at once", "t", "f"], ["four, later", "f", "t"]])
    }
}

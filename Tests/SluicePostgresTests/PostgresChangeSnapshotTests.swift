import Dispatch
import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing
@testable import SluicePostgres

/// The snapshot before the stream, on a real server while a writer keeps changing the table:
/// replaying the delivered changes gives exactly the table — no change missed between the
/// snapshot and the stream, none delivered twice — also when a restart interrupts the
/// snapshot, which then continues where it stopped.
@Suite(.serialized) struct PostgresChangeSnapshotTests {
    /// A change as the tests keep it.
    struct Delivered: Codable, Sendable {
        var operation: String
        var id: Int?
        var oldID: Int?
        var name: String?
        var snapshot: Bool

        init(_ change: Change<Row>) {
            operation = change.operation.rawValue
            id = change.after?.id ?? Self.id(change.key)
            oldID = change.before.flatMap { Self.id($0) }
            name = change.after?.name
            snapshot = change.isSnapshotRead
        }

        static func id(_ record: Record) -> Int? {
            if case .int(let value)? = record["id"] { return Int(value) }
            return nil
        }
    }

    struct Row: Codable, Sendable { var id: Int; var name: String }

    /// Commits small transactions of inserts, updates, deletes and key changes until stopped,
    /// or until it has committed `limit` of them once the table's slot is created (it has a
    /// confirmed position once its creation, which waits for older transactions, is done), so
    /// that a slow machine does not give the pipeline an ever longer stream to catch up with.
    final class Writer: Sendable {
        let stopped = Mutex(false)
        let done = DispatchSemaphore(value: 0)
        let transactions = Atomic(0)

        init(table: String, firstNewID: Int, existing: Int, limit: Int = 1_500, _ configuration: PostgresConfiguration) {
            DispatchQueue.global().async { [self] in
                defer { done.signal() }
                guard let connection = try? PostgresConnection(configuration) else { return }
                defer { connection.close() }
                var random = UInt64(firstNewID)
                func next(_ bound: Int) -> Int {
                    random = random &* 6364136223846793005 &+ 1442695040888963407
                    return Int((random >> 33) % UInt64(bound))
                }
                var ids = Array(1...existing), nextID = firstNewID
                var sinceSlot: Int?
                while !stopped.withLock({ $0 }), sinceSlot ?? 0 < limit {
                    if let counted = sinceSlot {
                        sinceSlot = counted + 1
                    } else if transactions.load(ordering: .relaxed) % 50 == 0,
                              let found = try? connection.simpleQuery("SELECT 1 FROM pg_replication_slots WHERE slot_name = '\(table)_slot' AND confirmed_flush_lsn IS NOT NULL"),
                              found.last?.rows.isEmpty == false {
                        sinceSlot = 0
                    }
                    var statements = ["BEGIN"]
                    for _ in 0..<3 {
                        let choice = next(100), index = next(ids.count)
                        switch choice {
                        case 0..<40: statements.append("UPDATE \(table) SET name = 'u\(nextID)-\(choice)' WHERE id = \(ids[index])")
                        case 40..<60 where ids.count > 10:
                            statements.append("DELETE FROM \(table) WHERE id = \(ids[index])")
                            ids.remove(at: index)
                        case 60..<85:
                            statements.append("INSERT INTO \(table) VALUES (\(nextID), 'i\(nextID)')")
                            ids.append(nextID)
                            nextID += 1
                        default:
                            statements.append("UPDATE \(table) SET id = \(nextID) WHERE id = \(ids[index])")
                            ids[index] = nextID
                            nextID += 1
                        }
                    }
                    guard (try? connection.simpleQuery((statements + ["COMMIT"]).joined(separator: "; "))) != nil else { return }
                    transactions.add(1, ordering: .relaxed)
                    usleep(1_000)
                }
            }
        }

        func stop() {
            stopped.withLock { $0 = true }
            done.wait()
        }
    }

    static func reset(_ table: String, rows: Int, _ configuration: PostgresConfiguration) throws {
        _ = try PostgresSinkTests.rows("""
            SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '\(table)_slot';
            DROP PUBLICATION IF EXISTS \(table)_slot_publication; DROP TABLE IF EXISTS \(table);
            CREATE TABLE \(table) (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO \(table) SELECT i, 'n' || i FROM generate_series(1, \(rows)) i;
            """, configuration)
    }

    /// Replays `delivered` on an empty table, refusing what could not happen to one (an insert
    /// of a key it has, a change of a key it lacks), and returns the rows.
    static func replay(_ delivered: [Delivered]) throws -> [Int: String] {
        var table: [Int: String] = [:]
        for (index, change) in delivered.enumerated() {
            guard let id = change.id else { throw RecordError("change \(index) has no key") }
            switch change.operation {
            case "insert":
                guard table[id] == nil else { throw RecordError("change \(index) inserts \(id), which the table has (snapshot: \(change.snapshot))") }
                table[id] = change.name
            case "update":
                let old = change.oldID ?? id
                guard table.removeValue(forKey: old) != nil else { throw RecordError("change \(index) updates \(old), which the table lacks") }
                guard table[id] == nil else { throw RecordError("change \(index) moves a row onto \(id), which the table has") }
                table[id] = change.name
            case "delete":
                guard table.removeValue(forKey: id) != nil else { throw RecordError("change \(index) deletes \(id), which the table lacks") }
            default:
                throw RecordError("change \(index) is a \(change.operation)")
            }
        }
        return table
    }

    static func expectReplay(of delivered: [Delivered], toEqual name: String, _ configuration: PostgresConfiguration,
                             sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let replayed = try replay(delivered), table = try table(name, configuration)
        let missingOrExtra = Set(replayed.keys).symmetricDifference(table.keys).sorted()
        let different = replayed.filter { table[$0.key] != nil && table[$0.key] != $0.value }.map(\.key).sorted()
        #expect(missingOrExtra.isEmpty && different.isEmpty, "replaying \(delivered.count) changes: keys missing or extra \(missingOrExtra.prefix(10)), rows different \(different.prefix(10))",
                sourceLocation: sourceLocation)
    }

    static func table(_ name: String, _ configuration: PostgresConfiguration) throws -> [Int: String] {
        var rows: [Int: String] = [:]
        for row in try PostgresSinkTests.rows("SELECT id, name FROM \(name)", configuration) {
            rows[Int(row[0] ?? "") ?? -1] = row[1] ?? ""
        }
        return rows
    }

    static func delivered(_ path: String) throws -> [Delivered] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONDecoder().decode(Delivered.self, from: Data($0.utf8)) }
    }

    static func pipeline(_ table: String, _ configuration: PostgresConfiguration, output: String,
                         onSnapshotRead: @escaping @Sendable () throws -> Void = {}) -> Pipeline {
        Pipeline("cdc-\(table)") {
            Source.postgresChanges(configuration, tables: [table], slot: "\(table)_slot", as: Row.self, until: .currentLogEnd)
            Map { (change: Change<Row>) throws -> Delivered in
                if change.isSnapshotRead { try onSnapshotRead() }
                return Delivered(change)
            }
            Sink.jsonLines(output, of: Delivered.self)
        }
    }

    @Test func theSnapshotAndTheStreamMeetWithoutGapOrOverlapWhileAWriterChangesTheTable() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_snap", rows: 4_000, configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let output = state.path + "/changes.jsonl"
        let writer = Writer(table: "cdc_snap", firstNewID: 10_001, existing: 4_000, configuration)
        let slowly = RunOptions(chunkSize: 64)
        _ = try await Self.pipeline("cdc_snap", configuration, output: output).run(options: slowly, checkpoints: .every(.milliseconds(10), in: state.path + "/state"))
        writer.stop()
        _ = try await Self.pipeline("cdc_snap", configuration, output: output).run(options: slowly, checkpoints: .every(.milliseconds(10), in: state.path + "/state"))
        let delivered = try Self.delivered(output)
        // The writer started first: the snapshot holds its rows of before the slot, then the stream follows.
        #expect(delivered.prefix(while: \.snapshot).count == delivered.count(where: \.snapshot))
        #expect(delivered.count(where: \.snapshot) >= 3_900)
        // How many of the writer's transactions fell before the slot depends on the machine's load.
        #expect(delivered.count(where: { !$0.snapshot }) >= 100 && writer.transactions.load(ordering: .relaxed) > 0)
        try Self.expectReplay(of: delivered, toEqual: "cdc_snap", configuration)
    }

    @Test func aRestartMidSnapshotContinuesWhereItStoppedAndStillDeliversEachChangeOnce() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_resume", rows: 20_000, configuration)
        let state = try TemporaryDirectory()
        defer { state.remove() }
        let output = state.path + "/changes.jsonl"
        let writer = Writer(table: "cdc_resume", firstNewID: 100_001, existing: 20_000, configuration)
        struct Crash: Error {}
        let reads = Atomic(0)
        let options = RunOptions(chunkSize: 100)
        await #expect(throws: (any Error).self) {
            _ = try await Self.pipeline("cdc_resume", configuration, output: output) {
                let read = reads.add(1, ordering: .relaxed).newValue
                // A pause lets checkpoints complete, however loaded the machine; then the crash.
                if read == 4_000 { Thread.sleep(forTimeInterval: 0.3) }
                if read == 8_000 { throw Crash() }
            }.run(options: options, checkpoints: .every(.milliseconds(10), in: state.path + "/state"))
        }
        let readsAfterRestart = Atomic(0)
        _ = try await Self.pipeline("cdc_resume", configuration, output: output) {
            readsAfterRestart.add(1, ordering: .relaxed)
        }.run(options: options, checkpoints: .every(.milliseconds(10), in: state.path + "/state"))
        writer.stop()
        _ = try await Self.pipeline("cdc_resume", configuration, output: output).run(options: options, checkpoints: .every(.milliseconds(10), in: state.path + "/state"))
        let delivered = try Self.delivered(output)
        let resumed = readsAfterRestart.load(ordering: .relaxed)
        // The rows the failed run had committed were not read again: the table was not started over.
        let snapshotRows = delivered.count(where: \.snapshot)
        #expect(resumed > 0 && resumed < snapshotRows, "the restarted run read \(resumed) of the \(snapshotRows) snapshot rows, as if it started the table over")
        try Self.expectReplay(of: delivered, toEqual: "cdc_resume", configuration)
    }

    @Test func aSnapshotOnlyReadsTheTablesWithoutASlotAndATableWithoutAKeyIsRefused() async throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        try Self.reset("cdc_copy", rows: 250, configuration)
        let collected = Accumulator<[Change<Row>]>([])
        _ = try await Pipeline("cdc-copy") {
            Source.postgresChanges(configuration, tables: ["public.cdc_copy"], slot: "cdc_copy_slot", as: Row.self, snapshot: .initialOnly)
            Sink.reduce(into: collected) { (all: inout [Change<Row>], change: Change<Row>) in all.append(change) }
        }.run(options: RunOptions(chunkSize: 32))
        #expect(collected.value.map { $0.after?.id } == Array(1...250))
        #expect(collected.value.allSatisfy { $0.isSnapshotRead && $0.operation == .insert && $0.table == "public.cdc_copy" })
        #expect(collected.value[7].key == Record([("id", .int(8))]))
        #expect(try PostgresSinkTests.rows("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cdc_copy_slot'", configuration) == [["0"]])

        _ = try PostgresSinkTests.rows("DROP TABLE IF EXISTS cdc_heap; CREATE TABLE cdc_heap (note text)", configuration)
        do {
            _ = try await Pipeline("cdc-heap") {
                Source.postgresChanges(configuration, tables: ["cdc_heap"], slot: "cdc_heap_slot", snapshot: .initialOnly)
                Sink.reduce(into: Accumulator(0)) { (count: inout Int, _: Change<Record>) in count += 1 }
            }.run()
            Issue.record("a table without a key cannot be read in resumable chunks")
        } catch {
            #expect("\(error)".contains("public.cdc_heap has no primary key"), "\(error)")
        }
    }
}

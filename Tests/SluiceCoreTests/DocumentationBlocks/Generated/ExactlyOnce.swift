// Generated from Documentation/ExactlyOnce.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_ExactlyOnce {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/ExactlyOnce.md, line 32
    static func block1() async throws {
        let report = try await pipeline.run(checkpoints: .every(.seconds(2), in: "state/revenue"))
        _ = report
    }

    // Documentation/ExactlyOnce.md, line 204
    static func block2() async throws {
        let stop = StopHandle()
        documented(stop.stopOnSignals())  // SIGINT, SIGTERM
        let report = try await pipeline.run(
            checkpoints: .every(.seconds(2), in: "state"),
            restart: .exponentialBackoff(initial: .seconds(1), maximum: .seconds(30), maxAttempts: 5),
            stop: stop)
        if let savepoint = report.stoppedAtSavepoint { print("stopped at savepoint \(savepoint)") }
        _ = stop
        _ = report
    }

    // Documentation/ExactlyOnce.md, line 264
    struct SlotReader {
        let context: StageContext
        var confirmed: UInt64 = 0

        mutating func letGoOfCommittedData(confirm: (UInt64) throws -> Void) throws {
            let committed = try context.committedPositions?.position(of: context.stageName, instance: context.instance, as: UInt64.self)
            if let committed, committed > confirmed {
                try confirm(committed)   // e.g. a standby status update to the replication slot
                confirmed = committed
            }
        }
    }
}

// The page's context.
struct Deduplicate: TransformStage {
    var settings = StageSettings()
    var defaultName: String { "deduplicate" }
    func makeOperator(_ context: StageContext) -> Operator { Operator() }
    struct Operator: TransformOperator {
        var seen: Set<String> = []
        mutating func process(_ id: String, into output: inout Emitter<String>) { if seen.insert(id).inserted { output.emit(id) } }
    }
}
struct StagedLoad: Codable, Sendable { var table: String; var staging: String }
enum Warehouse { static func swap(_ staging: String, into table: String, ifNotDone: String) throws {} }
struct WarehouseClient: Sendable {
    func flush(into table: String) async throws {}
    func dropStaging(except staging: String?) async throws {}
}
struct WarehouseWriter: SinkWriter {
    var client: WarehouseClient
    var table: String
    mutating func write(_ rows: [String], failures: inout RecordFailures) async throws {}
    mutating func finish() async throws {}
    mutating func abort() async {}
}

// Documentation/ExactlyOnce.md, line 243
extension Deduplicate.Operator: CheckpointableOperator {
    func snapshot() -> [String] { Array(seen) }
    mutating func restore(from snapshots: [[String]], scope: RestoreScope) {
        seen = Set(snapshots.joined().filter { scope.owns($0) })
    }
}

// Documentation/ExactlyOnce.md, line 281
extension WarehouseWriter: TransactionalSinkWriter {
    /// Stage the rows written since the last checkpoint; say how to publish them.
    mutating func preCommit(_ checkpoint: CheckpointID) async throws -> StagedLoad {
        try await client.flush(into: "staging_\(checkpoint.rawValue)")
        return StagedLoad(table: table, staging: "staging_\(checkpoint.rawValue)")
    }
    /// Publish; must be idempotent (recovery calls it again).
    static func commit(_ load: StagedLoad) throws {
        try Warehouse.swap(load.staging, into: load.table, ifNotDone: load.staging)
    }
    /// Drop staging tables of checkpoints that never completed.
    mutating func recover(after committed: StagedLoad?) async throws {
        try await client.dropStaging(except: committed?.staging)
    }
}

import SluiceNetwork
import Foundation
import SluiceConnectors
import SluiceCore

/// What keeps the slot healthy while the stream runs: heartbeats, the lag gauge, and confirming
/// committed positions.
extension PostgresChangeSource.Reader {
    /// Writes a heartbeat (`pg_logical_emit_message`, outside any transaction) when the
    /// interval has passed: it moves the position, and so the slot, even when no captured
    /// table changes, so the server can recycle WAL.
    mutating func beatIfDue() async throws {
        guard let interval = stage.heartbeat else { return }
        let now = ContinuousClock.now
        if let lastHeartbeat, now - lastHeartbeat < interval { return }
        lastHeartbeat = now
        let configuration = stage.configuration
        let existing = sideSession.map { BlockingCall.Handed(value: $0) }
        sideSession = try await BlockingCall.run { () -> BlockingCall.Handed<PostgresConnection> in
            let connection = try existing?.value ?? PostgresConnection(configuration)
            _ = try connection.simpleQuery("SELECT pg_logical_emit_message(false, 'sluice-heartbeat', '')")
            return BlockingCall.Handed(value: connection)
        }.value
    }

    /// Reports the slot's lag — the WAL the server keeps for it, from its confirmed position
    /// to the log's end — as the gauge `slot lag (bytes)`, once a second. A failed
    /// measure drops the side session and reports nothing: the stream's own session
    /// reports a lost server.
    mutating func measureLagIfDue() async {
        guard stage.snapshot != .initialOnly else { return }
        let now = ContinuousClock.now
        if let lastLagMeasure, now - lastLagMeasure < .seconds(1) { return }
        lastLagMeasure = now
        let configuration = stage.configuration, slot = stage.slot
        let existing = sideSession.map { BlockingCall.Handed(value: $0) }
        do {
            let (session, lag) = try await BlockingCall.run { () -> BlockingCall.Handed<(PostgresConnection, Int?)> in
                let connection = try existing?.value ?? PostgresConnection(configuration)
                let lag = try connection.simpleQuery("SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::int8 FROM pg_replication_slots WHERE slot_name = " + PostgresMerge.literal(slot))
                    .last?.rows.first?.first.flatMap { $0.flatMap { Int($0) } }
                return BlockingCall.Handed(value: (connection, lag))
            }.value
            sideSession = session
            if let lag { context.gauge("slot lag (bytes)", lag) }
        } catch {
            sideSession?.close()
            sideSession = nil
        }
    }

    /// Confirms the newest committed checkpoint's position to the slot.
    mutating func confirmCommitted() async throws {
        guard let committed = try context.committedPositions?.position(of: context.stageName, instance: context.instance, as: Position.self),
              committed.processed > confirmed else { return }
        try await confirm(committed.processed)
    }

    mutating func confirm(_ position: PostgresLSN) async throws {
        guard let session else { return }
        let handed = BlockingCall.Handed(value: session)
        try await BlockingCall.run { try handed.value.sendStatus(flushed: position) }
        confirmed = position
    }
}

import SluiceConnectors
import SluiceCore

extension Source {
    /// The committed changes of `tables` (`schema.name` or `name`) from the logical
    /// replication slot `slot`, through the publication `publication` (both created when
    /// missing), with each row decoded into `type` by column name. It streams until the run
    /// stops, or with `until: .currentLogEnd` until it has caught up with the log as it was
    /// when the run started. With a `heartbeat`, it writes a logical message at that interval,
    /// so that its position — and the slot — move on while the tables are quiet and the
    /// server can recycle WAL. With `snapshot: .initial` (the default) it first delivers the
    /// tables' rows as they were when the slot was created, then every change after.
    ///
    /// ```swift
    /// Source.postgresChanges(try PostgresConfiguration(url: "postgres://etl@db/shop"),
    ///                        tables: ["orders"], slot: "orders_cdc", as: Order.self)
    /// ```
    public static func postgresChanges<Row: Decodable & Sendable>(
        _ configuration: PostgresConfiguration, tables: [String], slot: String, publication: String? = nil,
        as type: Row.Type, snapshot: PostgresChangeSnapshot = .initial, until end: PostgresChangeEnd = .never, heartbeat: Duration? = nil
    ) -> PostgresChangeSource<Row> {
        PostgresChangeSource(configuration: configuration, tables: tables, slot: slot, publication: publication ?? slot + "_publication",
                             end: end, heartbeat: heartbeat, snapshot: snapshot)
    }

    /// The committed changes of `tables`, each row a ``Record`` typed by its SQL types.
    public static func postgresChanges(
        _ configuration: PostgresConfiguration, tables: [String], slot: String, publication: String? = nil,
        snapshot: PostgresChangeSnapshot = .initial, until end: PostgresChangeEnd = .never, heartbeat: Duration? = nil
    ) -> PostgresChangeSource<Record> {
        postgresChanges(configuration, tables: tables, slot: slot, publication: publication, as: Record.self, snapshot: snapshot,
                        until: end, heartbeat: heartbeat)
    }
}

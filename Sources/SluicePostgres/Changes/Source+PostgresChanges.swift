import SluiceConnectors
import SluiceCore

extension Source {
    /// The committed changes of `tables` (`schema.name` or `name`) from the logical
    /// replication slot `slot`, through the publication `publication` (both created when
    /// missing), with each row decoded into `type` by column name. It streams until the run
    /// stops, or with `until: .currentLogEnd` until it has caught up with the log as it was
    /// when the run started. With a `heartbeat`, it writes a logical message at that interval,
    /// so that its position — and the slot — move on while the tables are quiet and the
    /// server can recycle WAL.
    ///
    /// ```swift
    /// Source.postgresChanges(try PostgresConfiguration(url: "postgres://etl@db/shop"),
    ///                        tables: ["orders"], slot: "orders_cdc", as: Order.self)
    /// ```
    public static func postgresChanges<Row: Decodable & Sendable>(
        _ configuration: PostgresConfiguration, tables: [String], slot: String, publication: String? = nil,
        as type: Row.Type, until end: PostgresChangeEnd = .never, heartbeat: Duration? = nil
    ) -> PostgresChangeSource<Row> {
        PostgresChangeSource(configuration: configuration, tables: tables, slot: slot, publication: publication ?? slot + "_publication",
                             end: end, heartbeat: heartbeat)
    }

    /// The committed changes of `tables`, each row a ``Record`` typed by its SQL types.
    public static func postgresChanges(
        _ configuration: PostgresConfiguration, tables: [String], slot: String, publication: String? = nil,
        until end: PostgresChangeEnd = .never, heartbeat: Duration? = nil
    ) -> PostgresChangeSource<Record> {
        postgresChanges(configuration, tables: tables, slot: slot, publication: publication, as: Record.self, until: end, heartbeat: heartbeat)
    }
}

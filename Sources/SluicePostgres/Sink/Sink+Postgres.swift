import SluiceConnectors
import SluiceCore

extension Sink {
    /// Delivers elements into `table` (`name` or `schema.name`) on the server `configuration`
    /// names, merged by `mode`, exactly once with checkpoints.
    ///
    /// ```swift
    /// Sink.postgres(try PostgresConfiguration(url: "postgres://etl@warehouse/dw"), table: "dim_customer",
    ///               mode: .history(key: ["customer_id"]))
    /// ```
    public static func postgres<Input: Encodable & Sendable>(
        _ configuration: PostgresConfiguration, table: String, mode: PostgresSinkMode = .append,
        retry: RetryPolicy = .postgresReconnection
    ) -> PostgresSink<Input> {
        PostgresSink(configuration: configuration, table: table, mode: mode, retry: retry)
    }

    /// The same, naming the element type where the pipeline does not say it.
    public static func postgres<Input: Encodable & Sendable>(
        _ configuration: PostgresConfiguration, table: String, of type: Input.Type, mode: PostgresSinkMode = .append,
        retry: RetryPolicy = .postgresReconnection
    ) -> PostgresSink<Input> {
        PostgresSink(configuration: configuration, table: table, mode: mode, retry: retry)
    }

    /// The same, creating the table from `type` when it does not exist: a column per stored
    /// property, of the type the type mapping gives, NOT NULL unless optional; the key as
    /// primary key for upsert; `valid_from`, `valid_to` and one current version per key for
    /// history.
    public static func postgres<Input: Codable & Sendable>(
        _ configuration: PostgresConfiguration, table: String, of type: Input.Type, mode: PostgresSinkMode = .append,
        createTable: Bool,
        retry: RetryPolicy = .postgresReconnection
    ) -> PostgresSink<Input> {
        var definition: (@Sendable () throws -> [String])?
        if createTable {
            definition = { @Sendable in
                var statements = [try PostgresTableDefinition.statement(table: table, for: Input.self, mode: mode)]
                if case .history(let key) = mode { statements.append(PostgresTableDefinition.currentVersionIndex(table: table, key: key)) }
                return statements
            }
        }
        return PostgresSink(configuration: configuration, table: table, mode: mode, retry: retry, tableDefinition: definition)
    }
}

import SluiceConnectors
import SluiceCore

extension Source {
    /// The rows of `query` on the server `configuration` names, decoded into `type` by column
    /// name. Give a `cursor` to read incrementally (a resumed run reads only new rows) and
    /// `polling` to keep reading what is new.
    ///
    /// ```swift
    /// Source.postgres(try PostgresConfiguration(url: "postgres://etl@db/shop"),
    ///                 query: "SELECT id, email, updated_at FROM customers", as: Customer.self,
    ///                 cursor: PostgresCursor("updated_at", "id"), polling: PostgresPolling(every: .seconds(5)))
    /// ```
    public static func postgres<Output: Decodable & Sendable>(
        _ configuration: PostgresConfiguration, query: String, parameters: [String?] = [], as type: Output.Type,
        cursor: PostgresCursor? = nil, polling: PostgresPolling? = nil, fetchSize: Int = 10_000,
        retry: RetryPolicy = .postgresReconnection
    ) -> PostgresSource<Output> {
        PostgresSource(configuration: configuration, query: query, parameters: parameters, cursor: cursor, polling: polling,
                       fetchSize: fetchSize, retry: retry)
    }

    /// The rows of `query` as ``Record``s, each column typed by its SQL type.
    public static func postgres(
        _ configuration: PostgresConfiguration, query: String, parameters: [String?] = [],
        cursor: PostgresCursor? = nil, polling: PostgresPolling? = nil, fetchSize: Int = 10_000,
        retry: RetryPolicy = .postgresReconnection
    ) -> PostgresSource<Record> {
        postgres(configuration, query: query, parameters: parameters, as: Record.self, cursor: cursor, polling: polling,
                 fetchSize: fetchSize, retry: retry)
    }
}

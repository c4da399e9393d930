import Foundation

/// Where and how to connect: from a URL (`postgres://user:pass@host:port/db?application_name=…`)
/// or libpq's environment variables. Its description never shows the password.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// A host name or address, or a Unix-socket directory (a path starting with `/`).
    public var host: String
    /// The port (5432 by default).
    public var port: Int
    /// The user.
    public var user: String
    /// The password, when the server asks for one.
    public var password: String?
    /// The database (the user's name by default).
    public var database: String
    /// Shown in `pg_stat_activity`.
    public var applicationName: String
    /// How long to wait for the server to accept or answer, in seconds.
    public var timeout: Double

    /// A configuration.
    public init(host: String = "localhost", port: Int = 5432, user: String, password: String? = nil,
                database: String? = nil, applicationName: String = "sluice", timeout: Double = 30) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database ?? user
        self.applicationName = applicationName
        self.timeout = timeout
    }

    /// The configuration of a `postgres://` or `postgresql://` URL. `sslmode=require` or
    /// `verify-*` is refused: this client does not speak TLS, and never falls back to plain
    /// text silently.
    public init(url text: String) throws {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql" else {
            throw PostgresConnectionError("not a postgres:// URL: \(Self.redacted(text))")
        }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        if let mode = query["sslmode"], ["require", "verify-ca", "verify-full"].contains(mode) {
            throw PostgresConnectionError("sslmode=\(mode) asks for TLS, which this client does not support yet; connect over a Unix socket or loopback, or through a local TLS proxy (stunnel, pgbouncer) instead")
        }
        guard let user = url.user?.removingPercentEncoding ?? url.user, !user.isEmpty else {
            throw PostgresConnectionError("the URL names no user: \(Self.redacted(text))")
        }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        var host = url.host ?? query["host"] ?? "localhost"
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") { host = socketDirectory }
        var port = url.port ?? 5432
        if url.port == nil, let text = query["port"] { port = try Self.number(text, "port", in: 1...65_535) }
        var timeout = 30.0
        if let text = query["connect_timeout"] {
            guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
                throw PostgresConnectionError("connect_timeout must be a positive number of seconds, not '\(text)'")
            }
            timeout = seconds
        }
        self.init(host: host, port: port, user: user,
                  password: url.password?.removingPercentEncoding ?? url.password,
                  database: path.isEmpty ? nil : (path.removingPercentEncoding ?? path),
                  applicationName: query["application_name"] ?? "sluice",
                  timeout: timeout)
    }

    /// The configuration libpq's environment variables give (`PGHOST`, `PGPORT`, `PGUSER`,
    /// `PGPASSWORD`, `PGDATABASE`, `PGAPPNAME`, `PGSSLMODE`), `nil` without `PGUSER` or `USER`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresConfiguration? {
        if let mode = environment["PGSSLMODE"], ["require", "verify-ca", "verify-full"].contains(mode) {
            throw PostgresConnectionError("PGSSLMODE=\(mode) asks for TLS, which this client does not support yet; connect over a Unix socket or loopback, or through a local TLS proxy instead")
        }
        guard let user = environment["PGUSER"] ?? environment["USER"] else { return nil }
        let port = try environment["PGPORT"].map { try number($0, "PGPORT", in: 1...65_535) } ?? 5432
        return PostgresConfiguration(host: environment["PGHOST"] ?? "localhost", port: port,
                                     user: user, password: environment["PGPASSWORD"], database: environment["PGDATABASE"],
                                     applicationName: environment["PGAPPNAME"] ?? "sluice")
    }

    static func number(_ text: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw PostgresConnectionError("\(name) must be a number in \(range.lowerBound)…\(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// `postgres://user@host:port/database`, without the password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `text` with any password in it replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}

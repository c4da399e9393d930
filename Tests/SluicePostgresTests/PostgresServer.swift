import Foundation
import SluiceTesting
import Testing
@testable import SluicePostgres

/// The PostgreSQL server the tests talk to: `SLUICE_POSTGRES_URL` when set, otherwise one
/// throwaway server (``PostgresTestServer``) shared by the tests of this process. Without
/// PostgreSQL's binaries a test says it was skipped, visibly; with `SLUICE_REQUIRE_SERVERS=1`
/// (as CI sets) their absence fails the test instead.
enum PostgresServer {
    static var url: String? { ProcessInfo.processInfo.environment["SLUICE_POSTGRES_URL"] }

    static let shared: Result<PostgresTestServer?, any Error> = Result { try PostgresTestServer.start() }

    /// The shared server's configuration, or `nil` after recording why there is none.
    static func configuration() throws -> PostgresConfiguration? {
        if let url { return try PostgresConfiguration(url: url) }
        guard let server = try shared.get() else {
            absent()
            return nil
        }
        return server.configuration
    }

    /// A server of the test's own, for tests that restart or stop it; `nil` after recording
    /// why there is none.
    static func dedicated(settings: [String: String] = [:]) throws -> PostgresTestServer? {
        guard let server = try PostgresTestServer.start(settings: settings) else {
            absent()
            return nil
        }
        return server
    }

    static func absent() {
        if ProcessInfo.processInfo.environment["SLUICE_REQUIRE_SERVERS"] == "1" {
            Issue.record("no PostgreSQL binaries were found, and this run requires a PostgreSQL server")
        } else {
            print("skipped: no PostgreSQL server (install PostgreSQL, set SLUICE_POSTGRES_BIN, or set SLUICE_POSTGRES_URL=postgres://user:password@host:port/database)")
        }
    }
}

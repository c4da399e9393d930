import Foundation
import Testing
@testable import SluicePostgres

/// The PostgreSQL server the tests talk to: `SLUICE_POSTGRES_URL`, which `.ci/run` sets after
/// starting one. Without it a test says it was skipped, visibly; with
/// `SLUICE_REQUIRE_SERVERS=1` (as CI sets) its absence fails the test instead.
enum PostgresServer {
    static var url: String? { ProcessInfo.processInfo.environment["SLUICE_POSTGRES_URL"] }

    /// The server's configuration, or `nil` after recording why there is none.
    static func configuration() throws -> PostgresConfiguration? {
        guard let url else {
            if ProcessInfo.processInfo.environment["SLUICE_REQUIRE_SERVERS"] == "1" {
                Issue.record("SLUICE_POSTGRES_URL is not set, and this run requires a PostgreSQL server")
            } else {
                print("skipped: no PostgreSQL server (set SLUICE_POSTGRES_URL=postgres://user:password@host:port/database)")
            }
            return nil
        }
        return try PostgresConfiguration(url: url)
    }
}

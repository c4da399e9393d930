import Foundation
import SluiceTesting
import Testing
@testable import SluiceNATS

@Suite struct NATSConnectionTests {
    @Test func publishesAndReceivesWithHeadersAndUnicode() async throws {
        guard let server = try NATSServers.single() else { return }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        #expect(connection.info.jetStream && connection.info.headers)
        let subscription = try connection.subscribe(to: "greet.>")
        try await connection.flush()
        try connection.publish("greet.world", payload: Array("héllo, 世界".utf8))
        try connection.publish("greet.headers", payload: [], headers: NATSHeaders([("Trace", "1"), ("Trace", "2")]))
        let large = (0..<900_000).map { UInt8(truncatingIfNeeded: $0) }
        try connection.publish("greet.large", payload: large)
        var received: [NATSMessage] = []
        while received.count < 3 {
            let batch = try await subscription.next(maximum: 10, timeout: 5)
            #expect(!batch.isEmpty)
            if batch.isEmpty { break }
            received += batch
        }
        #expect(received.map(\.subject) == ["greet.world", "greet.headers", "greet.large"])
        #expect(String(decoding: received[0].payload, as: UTF8.self) == "héllo, 世界")
        #expect(received[1].headers?.fields.map(\.value) == ["1", "2"] && received[1].payload.isEmpty)
        #expect(received[2].payload == large)
    }

    @Test func answersRequestsAndReportsNoResponders() async throws {
        guard let server = try NATSServers.single() else { return }
        let responder = try await NATSConnection.connect(server.configuration)
        let requester = try await NATSConnection.connect(server.configuration)
        defer { responder.close(); requester.close() }
        let service = try responder.subscribe(to: "math.double")
        try await responder.flush()
        let serving = Task {
            for _ in 0..<20 {
                for message in try await service.next(maximum: 20, timeout: 5) {
                    let number = Int(String(decoding: message.payload, as: UTF8.self))!
                    try responder.publish(message.replyTo!, payload: Array(String(number * 2).utf8))
                }
            }
        }
        // Many requests in flight at once, each answered to its own waiter.
        let pending = try (1...50).map { try requester.sendRequest("math.double", payload: Array(String($0).utf8)) }
        for (index, reply) in pending.enumerated() {
            let answer = try await reply.wait(timeout: 5)
            #expect(String(decoding: answer.payload, as: UTF8.self) == String((index + 1) * 2))
        }
        serving.cancel()
        await #expect(throws: NATSError.noResponders("'nobody.home' on \(requester.server)")) {
            _ = try await requester.request("nobody.home", timeout: 5)
        }
    }

    @Test func logsInWithAUserAndPasswordAndNeverShowsThePassword() async throws {
        guard let server = try NATSServers.dedicated(authenticated: true) else { return }
        defer { server.stop() }
        let password = server.credentials!.password
        let connection = try await NATSConnection.connect(try NATSConfiguration(url: server.url))
        try await connection.flush()
        connection.close()
        var wrong = server.configuration
        wrong.password = "not-" + password
        do {
            _ = try await NATSConnection.connect(wrong)
            Issue.record("a wrong password was accepted")
        } catch let error as NATSError {
            guard case .authenticationFailed = error else { Issue.record("\(error)"); return }
            #expect(!"\(error)".contains(password))
            #expect("\(error)".contains("127.0.0.1:\(server.nodes[0].port)"))
        }
        var none = server.configuration
        none.user = nil
        none.password = nil
        await #expect(throws: NATSError.self) { _ = try await NATSConnection.connect(none) }
        let configuration = try NATSConfiguration(url: server.url)
        #expect(!configuration.description.contains(password) && !configuration.description.contains("sluice:"))
    }

    @Test func anUnreachableServerIsAnErrorNamingEveryAddressTried() async throws {
        let configuration = try NATSConfiguration(url: "nats://user:s3cret@127.0.0.1:1,nats://127.0.0.1:2", timeout: 1)
        do {
            _ = try await NATSConnection.connect(configuration)
            Issue.record("connected to nothing")
        } catch let error as NATSError {
            let text = "\(error)"
            #expect(text.contains("nats://127.0.0.1:1") && text.contains("nats://127.0.0.1:2"), "\(text)")
            #expect(!text.contains("s3cret"))
        }
    }

    @Test func aKilledServerFailsSubscriptionsAndPendingRequestsPromptly() async throws {
        guard let server = try NATSServers.dedicated() else { return }
        defer { server.stop() }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let subscription = try connection.subscribe(to: "x")
        try await connection.flush()
        let started = ContinuousClock.now
        server.kill(0)
        do {
            while true { _ = try await subscription.next(timeout: 10) }
        } catch let error as NATSError {
            guard case .connectionFailed(let text) = error else { Issue.record("\(error)"); return }
            #expect(text.contains("127.0.0.1:\(server.nodes[0].port)"))
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(throws: NATSError.self) { try connection.publish("x", payload: [1]) }
    }

    @Test func parsesURLsOfAClusterWithCredentials() throws {
        let configuration = try NATSConfiguration(url: "nats://app:p%40ss@host-a:4333, nats://host-b,[::1]:4999")
        #expect(configuration.servers == [.init(host: "host-a", port: 4333), .init(host: "host-b", port: 4222), .init(host: "::1", port: 4999)])
        #expect(configuration.user == "app" && configuration.password == "p@ss")
        #expect(configuration.description == "nats://host-a:4333,nats://host-b:4222,nats://[::1]:4999")
        #expect(try NATSConfiguration(url: "nats://tok3n@h").token == "tok3n")
        #expect(throws: NATSError.self) { try NATSConfiguration(url: "tls://h:4222") }
        #expect(throws: NATSError.self) { try NATSConfiguration(url: "nats://h:99999") }
        #expect(throws: NATSError.self) { try NATSConfiguration(url: "") }
    }
}

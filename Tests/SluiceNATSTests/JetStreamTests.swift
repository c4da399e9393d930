import Foundation
import SluiceTesting
import Testing
@testable import SluiceNATS

@Suite struct JetStreamTests {
    @Test func publishesWithAcknowledgementsAndDeduplicatesOnMessageIDs() async throws {
        guard let server = try NATSServers.single() else { return }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        let name = NATSServers.uniqueName("ACKS")
        let info = try await jetStream.createStream(StreamConfiguration(name: name, subjects: ["\(name).>"]))
        #expect(info.configuration.name == name && info.state.messages == 0)
        let first = try await jetStream.publish("\(name).a", payload: Array("one".utf8), messageID: "m-1")
        #expect(first.stream == name && first.sequence == 1 && !first.duplicate)
        let again = try await jetStream.publish("\(name).a", payload: Array("one".utf8), messageID: "m-1")
        #expect(again.duplicate && again.sequence == 1)
        // Many in flight, acknowledged in order.
        let pending = try (2...101).map { try jetStream.sendPublish("\(name).b", payload: Array("n\($0)".utf8), messageID: "m-\($0)") }
        var sequences: [UInt64] = []
        for publish in pending { sequences.append(try await publish.wait().sequence) }
        #expect(sequences == Array(2...101))
        #expect(try await jetStream.streamInfo(name)?.state.messages == 101)
        let stored = try await jetStream.message(stream: name, sequence: 50)
        #expect(stored?.subject == "\(name).b" && stored?.payload == Array("n50".utf8))
        #expect(stored?.headers?["Nats-Msg-Id"] == "m-50")
        #expect(try await jetStream.lastMessage(stream: name, subject: "\(name).a")?.sequence == 1)
        #expect(try await jetStream.message(stream: name, sequence: 999) == nil)
        #expect(try await jetStream.streamInfo("NO_SUCH_STREAM") == nil)
        // A subject no stream stores is an error, not a silent loss.
        await #expect(throws: NATSError.self) { _ = try await jetStream.publish("nobody.stores.this", payload: [1]) }
        try await jetStream.deleteStream(name)
        #expect(try await jetStream.streamInfo(name) == nil)
    }

    @Test func pullsInBatchesFromASequenceAndEndsWhenNothingIsLeft() async throws {
        guard let server = try NATSServers.single() else { return }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        let name = NATSServers.uniqueName("PULL")
        _ = try await jetStream.createStream(StreamConfiguration(name: name, subjects: ["\(name).*"]))
        for index in 1...700 {
            _ = try jetStream.sendPublish("\(name).\(index % 2 == 0 ? "even" : "odd")", payload: Array(String(index).utf8))
        }
        try await connection.flush()
        while try await jetStream.streamInfo(name)?.state.messages != 700 { try await Task.sleep(for: .milliseconds(20)) }
        var configuration = ConsumerConfiguration(deliverPolicy: "by_start_sequence")
        configuration.startSequence = 101
        configuration.filterSubjects = ["\(name).even"]
        configuration.inactiveThreshold = 30_000_000_000
        configuration.memoryStorage = true
        let consumer = try await jetStream.createConsumer(stream: name, configuration)
        #expect(consumer.pending == 300)
        let pull = try JetStreamPull(jetStream, stream: name, consumer: consumer.name)
        defer { pull.close() }
        var read: [JetStreamMessage] = []
        while true {
            let batch = try await pull.fetch(batch: 128, expires: 0.5)
            #expect(batch.count <= 128)
            if batch.isEmpty { break }
            read += batch
        }
        #expect(read.map(\.sequence) == Array(stride(from: 102, through: 700, by: 2)).map(UInt64.init))
        #expect(read.allSatisfy { $0.stream == name && $0.subject == "\(name).even" && String(decoding: $0.payload, as: UTF8.self) == String($0.sequence) })
        #expect(read.last?.pending == 0)
        #expect(abs(read[0].time.timeIntervalSinceNow) < 60)
        try await jetStream.deleteConsumer(stream: name, name: consumer.name)
        #expect(try await jetStream.consumerInfo(stream: name, name: consumer.name) == nil)
    }

    @Test func readsDeliveryMetadataAndRefusesMessagesWithout() throws {
        let old = NATSMessage(subject: "s.a", replyTo: "$JS.ACK.S.C.1.42.7.1700000000123456789.5", payload: [1])
        let parsed = try JetStreamMessage(delivered: old)
        #expect(parsed.stream == "S" && parsed.sequence == 42 && parsed.pending == 5)
        #expect(abs(parsed.time.timeIntervalSince1970 - 1_700_000_000.123456789) < 1e-6)
        let new = NATSMessage(subject: "s.a", replyTo: "$JS.ACK.hub.ACCHASH.S.C.1.43.8.1700000000000000000.0.tok", payload: [1])
        #expect(try JetStreamMessage(delivered: new).sequence == 43)
        for reply in [nil, "_INBOX.x", "$JS.ACK.S.C.1.x.7.1.5", "$JS.ACK.S.C"] {
            #expect(throws: NATSError.self) { try JetStreamMessage(delivered: NATSMessage(subject: "s", replyTo: reply, payload: [])) }
        }
    }

    @Test func aReplicatedStreamKeepsAcknowledgedMessagesWhenANodeIsKilled() async throws {
        guard let cluster = try NATSServers.dedicated(nodes: 3) else { return }
        defer { cluster.stop() }
        let connection = try await NATSConnection.connect(cluster.configuration)
        let jetStream = JetStream(connection, timeout: 10)
        var configuration = StreamConfiguration(name: "R3", subjects: ["r3.>"])
        configuration.replicas = 3
        let info = try await jetStream.createStream(configuration)
        #expect(info.configuration.replicas == 3)
        for index in 1...200 { _ = try await jetStream.publish("r3.x", payload: Array(String(index).utf8), messageID: "id-\(index)") }
        connection.close()
        // Kill the node the client used, keep publishing through the others, bring it back.
        cluster.kill(0)
        var survivors = cluster.configuration
        survivors.servers.removeFirst()
        let second = try await NATSConnection.connect(survivors)
        let jetStream2 = JetStream(second, timeout: 10)
        var published = 200
        let deadline = ContinuousClock.now + .seconds(30)
        while published < 400 && ContinuousClock.now < deadline {
            do {
                _ = try await jetStream2.publish("r3.x", payload: Array(String(published + 1).utf8), messageID: "id-\(published + 1)")
                published += 1
            } catch {
                try await Task.sleep(for: .milliseconds(200))   // a new stream leader is being elected
            }
        }
        #expect(published == 400)
        try cluster.restart(0)
        second.close()
        let third = try await NATSConnection.connect(cluster.configuration)
        defer { third.close() }
        let stored = try await JetStream(third, timeout: 10).streamInfo("R3")
        #expect(stored?.state.messages == 400 && stored?.state.lastSequence == 400)
    }
}

import Foundation
import SluiceTesting
import Testing
@testable import SluiceNATS

@Suite struct KeyValueAndObjectStoreTests {
    @Test func keepsTheLatestValueWithRevisionsForCompareAndSet() async throws {
        guard let server = try NATSServers.single() else { return }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        let bucket = try await KeyValueBucket.create(jetStream, name: NATSServers.uniqueName("kv"))
        #expect(try await bucket.get("lease.p1") == nil)
        let first = try await bucket.create("lease.p1", value: Array("worker-a".utf8))
        // A second creator loses.
        await #expect(throws: KeyValueConflict.self) { try await bucket.create("lease.p1", value: Array("worker-b".utf8)) }
        let second = try await bucket.update("lease.p1", value: Array("worker-a/2".utf8), expecting: first)
        #expect(second > first)
        // An update from a stale revision loses.
        await #expect(throws: KeyValueConflict.self) { try await bucket.update("lease.p1", value: Array("worker-b".utf8), expecting: first) }
        #expect(try await bucket.get("lease.p1") == KeyValueBucket.Entry(key: "lease.p1", value: Array("worker-a/2".utf8), revision: second))
        // Deleted, a key can be created again.
        try await bucket.delete("lease.p1", expecting: second)
        #expect(try await bucket.get("lease.p1") == nil)
        _ = try await bucket.create("lease.p1", value: Array("worker-b".utf8))
        try await bucket.put("members.a", value: [1])
        try await bucket.put("members.b", value: [2])
        try await bucket.put("members.b", value: [3])
        try await bucket.put("members.c", value: [4])
        try await bucket.delete("members.c")
        #expect(try await bucket.entries(matching: "members.*").map(\.key) == ["members.a", "members.b"])
        #expect(try await bucket.entries(matching: "members.*").map(\.value) == [[1], [3]])
        #expect(try await bucket.entries().count == 3)
        for bad in ["", ".a", "a.", "a..b", "a b", "a*"] {
            await #expect(throws: NATSError.self) { try await bucket.put(bad, value: []) }
        }
    }

    @Test(arguments: [0, 1, 131_072, 131_073, 1_000_000]) func storesObjectsOfAnySizeAndChecksThemOnTheWayBack(size: Int) async throws {
        guard let server = try NATSServers.single() else { return }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let store = try await ObjectStore.create(JetStream(connection), name: NATSServers.uniqueName("objects"))
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let info = try await store.put("group/p1/checkpoint", data: data)
        #expect(info.size == size && info.chunks == (size + ObjectStore.chunkSize - 1) / ObjectStore.chunkSize)
        #expect(try await store.get("group/p1/checkpoint") == data)
        // Replaced: the old chunks are gone, the new content is read.
        let replacement = Array(data.reversed()) + [7]
        try await store.put("group/p1/checkpoint", data: replacement)
        #expect(try await store.get("group/p1/checkpoint") == replacement)
        let stream = try await JetStream(connection).streamInfo(store.streamName)
        #expect(stream?.state.messages == UInt64((replacement.count + ObjectStore.chunkSize - 1) / ObjectStore.chunkSize + 1))
        try await store.delete("group/p1/checkpoint")
        #expect(try await store.get("group/p1/checkpoint") == nil)
        #expect(try await store.get("never/stored") == nil)
    }

    @Test func refusesAnObjectWhoseChunksDoNotMatchItsDigest() async throws {
        guard let server = try NATSServers.single() else { return }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection)
        let store = try await ObjectStore.create(jetStream, name: NATSServers.uniqueName("tampered"))
        let info = try await store.put("state", data: Array(repeating: 1, count: 1000))
        // Descriptions that do not match the chunks: another digest, another size.
        var wrongDigest = info
        wrongDigest.digest = ObjectStore.digestText(Array(repeating: 2, count: 1000))
        var wrongSize = info
        wrongSize.size = 999
        for description in [wrongDigest, wrongSize] {
            _ = try await jetStream.publish(store.metaSubject("state"), payload: Array(try JSONEncoder().encode(description)),
                                            headers: NATSHeaders([("Nats-Rollup", "sub")]))
            do {
                _ = try await store.get("state")
                Issue.record("an object that does not match its description was returned")
            } catch let error as NATSError {
                #expect("\(error)".contains("'state'"))
            }
        }
    }
}

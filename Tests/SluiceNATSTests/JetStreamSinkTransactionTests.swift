import Foundation
import Testing
@testable import SluiceNATS
import SluiceCore

@Suite struct JetStreamSinkTransactionTests {
    @Test func packsMessagesAndReadsThemBackWithTheirIDs() throws {
        var transaction = JetStreamSinkTransaction(batch: "b1")
        let messages = [("alerts.s1", Array(#"{"v":1}"#.utf8)), ("alerts.é", []), ("a", (0..<70_000).map { UInt8(truncatingIfNeeded: $0) })]
        for (subject, payload) in messages { transaction.append(subject: subject, payload: payload) }
        // Through the checkpoint's encoding and back.
        let restored = try StateCoding.decode(JetStreamSinkTransaction.self, from: try StateCoding.encode(transaction))
        let outgoing = try restored.outgoing()
        #expect(outgoing.map(\.subject) == messages.map(\.0))
        #expect(outgoing.map(\.payload) == messages.map(\.1))
        #expect(outgoing.map(\.id) == ["b1-0", "b1-1", "b1-2"])
        #expect(try JetStreamSinkTransaction(batch: "empty").outgoing().isEmpty)
    }

    @Test func refusesAPackingThatWasCutOrMiscounted() throws {
        var transaction = JetStreamSinkTransaction(batch: "b")
        transaction.append(subject: "x.y", payload: [1, 2, 3])
        transaction.append(subject: "x.z", payload: [4])
        for length in 0..<transaction.packed.count {
            var cut = transaction
            cut.packed = transaction.packed.prefix(length)
            #expect(throws: RecordError.self) { try cut.outgoing() }
        }
        var miscounted = transaction
        miscounted.count = 3
        #expect(throws: RecordError.self) { try miscounted.outgoing() }
    }
}

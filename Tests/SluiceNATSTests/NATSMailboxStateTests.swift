import Testing
@testable import SluiceNATS

@Suite struct NATSMailboxStateTests {
    static func message(_ index: Int) -> NATSMessage { NATSMessage(subject: "s", payload: [UInt8(index)]) }

    @Test func handsOutMessagesInOrderInBatches() {
        var state = NATSMailboxState(subject: "s", capacity: 10)
        #expect(state.take(maximum: 5) == .wait)
        for index in 0..<7 { #expect(state.deliver(Self.message(index)) == .wakeTaker) }
        #expect(state.take(maximum: 3) == .messages((0..<3).map(Self.message)))
        #expect(state.take(maximum: 10) == .messages((3..<7).map(Self.message)))
        #expect(state.take(maximum: 1) == .wait)
    }

    @Test func aFailureComesAfterTheMessagesAlreadyHeld() {
        var state = NATSMailboxState(subject: "s", capacity: 10)
        _ = state.deliver(Self.message(1))
        state.fail(.connectionFailed("lost"))
        state.fail(.closed)   // the first failure wins
        #expect(state.deliver(Self.message(2)) == .ignored)
        #expect(state.take(maximum: 5) == .messages([Self.message(1)]))
        #expect(state.take(maximum: 5) == .failed(.connectionFailed("lost")))
        #expect(state.take(maximum: 5) == .failed(.connectionFailed("lost")))
    }

    @Test func overflowingFailsAsASlowConsumerRatherThanDroppingSilently() {
        var state = NATSMailboxState(subject: "events.>", capacity: 3)
        for index in 0..<3 { #expect(state.deliver(Self.message(index)) == .wakeTaker) }
        #expect(state.deliver(Self.message(3)) == .overflowed)
        #expect(state.take(maximum: 10) == .messages((0..<3).map(Self.message)))
        guard case .failed(.slowConsumer(let text)) = state.take(maximum: 10) else {
            Issue.record("no slow-consumer failure")
            return
        }
        #expect(text.contains("events.>") && text.contains("3"))
    }

    @Test func keepsOrderAcrossManyPartialTakes() {
        var state = NATSMailboxState(subject: "s", capacity: 100_000)
        var taken: [UInt8] = []
        var next = 0
        for round in 0..<2000 {
            for _ in 0..<(round % 7) {
                _ = state.deliver(NATSMessage(subject: "s", payload: [UInt8(truncatingIfNeeded: next)]))
                next += 1
            }
            if case .messages(let messages) = state.take(maximum: round % 5 + 1) { taken += messages.flatMap(\.payload) }
        }
        while case .messages(let messages) = state.take(maximum: 100) { taken += messages.flatMap(\.payload) }
        #expect(taken == (0..<next).map { UInt8(truncatingIfNeeded: $0) })
    }
}

import Testing
@testable import SluiceRuntime
import SluiceCore

@Suite struct ChannelStateMachineTests {
    typealias Machine = ChannelStateMachine<String>
    func message(_ producer: Int) -> ChannelMessage { ChannelMessage(producer: producer, event: .endOfInput) }

    @Test func sendSuspendsWhenChannelIsFull() {
        var machine = Machine(capacity: 2)
        guard case .delivered = machine.trySend(message(0)) else { Issue.record("first send"); return }
        guard case .delivered = machine.trySend(message(1)) else { Issue.record("second send"); return }
        guard case .mustWait = machine.trySend(message(2)) else { Issue.record("third send should wait"); return }
        guard case .suspended = machine.suspendSender(id: 1, message: message(2), continuation: "sender") else {
            Issue.record("sender should suspend"); return
        }
        // Taking one message moves the waiting sender's message into the buffer and resumes it.
        guard case .received(let first, let resumed) = machine.tryReceive() else { Issue.record("receive"); return }
        #expect(first.producer == 0)
        #expect(resumed == "sender")
        #expect(machine.bufferedCount == 2)
    }

    @Test func messagesArriveInSendOrder() {
        var machine = Machine(capacity: 8)
        for producer in 0..<5 { _ = machine.trySend(message(producer)) }
        var order: [Int] = []
        while case .received(let next, _) = machine.tryReceive() { order.append(next.producer) }
        #expect(order == [0, 1, 2, 3, 4])
    }

    @Test func sendToAWaitingReceiverHandsTheMessageOver() {
        var machine = Machine(capacity: 1)
        guard case .suspended = machine.suspendReceiver(id: 1, continuation: "receiver") else { Issue.record("suspend"); return }
        guard case .delivered(let receiver, let delivered) = machine.trySend(message(3)) else { Issue.record("deliver"); return }
        #expect(receiver == "receiver")
        #expect(delivered?.producer == 3)
        #expect(machine.bufferedCount == 0)
    }

    @Test func cancellationBeforeRegistrationFailsTheWaiterAtOnce() {
        var machine = Machine(capacity: 1)
        _ = machine.trySend(message(0))
        #expect(machine.cancelSender(id: 7) == nil)
        guard case .failSender(let sender, let cancelled) = machine.suspendSender(id: 7, message: message(1), continuation: "late") else {
            Issue.record("expected failure"); return
        }
        #expect(sender == "late")
        #expect(cancelled)
    }

    @Test func cancellingAWaitingSenderRemovesIt() {
        var machine = Machine(capacity: 1)
        _ = machine.trySend(message(0))
        _ = machine.suspendSender(id: 3, message: message(1), continuation: "waiting")
        #expect(machine.cancelSender(id: 3) == "waiting")
        _ = machine.tryReceive()
        #expect(machine.bufferedCount == 0, "the cancelled sender's message is not delivered")
    }

    @Test func failingWakesEveryWaiter() {
        var machine = Machine(capacity: 1)
        _ = machine.trySend(message(0))
        _ = machine.suspendSender(id: 1, message: message(1), continuation: "a")
        _ = machine.suspendSender(id: 2, message: message(2), continuation: "b")
        #expect(Set(machine.fail()) == ["a", "b"])
        guard case .failed = machine.trySend(message(3)) else { Issue.record("send after fail"); return }
        guard case .failed = machine.tryReceive() else { Issue.record("receive after fail"); return }
    }
}

@Suite struct BoundedChannelTests {
    @Test func blockedSendResumesWhenTheConsumerTakesAMessage() async throws {
        let channel = BoundedChannel(capacity: 1)
        try await channel.send(ChannelMessage(producer: 0, event: .endOfInput))
        let sender = Task { try await channel.send(ChannelMessage(producer: 1, event: .endOfInput)) }
        #expect(try await channel.receive().producer == 0)
        _ = try await sender.value
        #expect(try await channel.receive().producer == 1)
    }

    @Test func cancellingABlockedSendThrowsCancellation() async throws {
        let channel = BoundedChannel(capacity: 1)
        try await channel.send(ChannelMessage(producer: 0, event: .endOfInput))
        let sender = Task { try await channel.send(ChannelMessage(producer: 1, event: .endOfInput)) }
        sender.cancel()
        await #expect(throws: CancellationError.self) { _ = try await sender.value }
    }

    @Test func failingWakesABlockedReceiver() async throws {
        let channel = BoundedChannel(capacity: 1)
        let receiver = Task { try await channel.receive() }
        channel.fail()
        await #expect(throws: ChannelClosedError.self) { _ = try await receiver.value }
    }
}

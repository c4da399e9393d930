import Testing
@testable import SluiceRuntime

@Suite struct CommitGateTests {
    @Test func opensWhenEveryParticipantHasArrived() async throws {
        let gate = CommitGate(participants: 3)
        let sink = Task { try await gate.arriveAndWait() }
        gate.arrive()
        gate.arrive()
        try await sink.value
    }

    @Test func aLastArrivalThatWaitsDoesNotSuspend() async throws {
        let gate = CommitGate(participants: 2)
        gate.arrive()
        try await gate.arriveAndWait()
    }

    @Test func cancellationReleasesAWaitingSink() async throws {
        let gate = CommitGate(participants: 2)
        let sink = Task { try await gate.arriveAndWait() }
        sink.cancel()
        await #expect(throws: CancellationError.self) { try await sink.value }
    }
}

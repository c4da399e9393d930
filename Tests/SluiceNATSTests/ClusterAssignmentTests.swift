import Testing
@testable import SluiceNATS

@Suite struct ClusterAssignmentTests {
    typealias Observation = ClusterAssignment.Observation
    let start = ContinuousClock.now
    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func aLoneWorkerTakesEveryPartitionAndRenewsThem() {
        var worker = ClusterAssignment(me: "a", partitions: 3, sessionTimeout: .seconds(4))
        var seen = Observation(members: ["a": 1])
        #expect(worker.round(seen, now: at(0)) == [.acquire(0, expecting: 0), .acquire(1, expecting: 0), .acquire(2, expecting: 0)])
        for partition in 0..<3 { worker.leased(partition, revision: UInt64(10 + partition), now: at(10)) }
        seen.leases = [0: .init(holder: "a", revision: 10), 1: .init(holder: "a", revision: 11), 2: .init(holder: "a", revision: 12)]
        #expect(worker.round(seen, now: at(500)) == [.renew(0, revision: 10), .renew(1, revision: 11), .renew(2, revision: 12)])
    }

    @Test func twoWorkersSplitThePartitionsInTurn() {
        var a = ClusterAssignment(me: "a", partitions: 4, sessionTimeout: .seconds(4))
        var b = ClusterAssignment(me: "b", partitions: 4, sessionTimeout: .seconds(4))
        let seen = Observation(members: ["a": 1, "b": 2])
        #expect(a.round(seen, now: at(0)) == [.acquire(0, expecting: 0), .acquire(2, expecting: 0)])
        #expect(b.round(seen, now: at(0)) == [.acquire(1, expecting: 0), .acquire(3, expecting: 0)])
    }

    @Test func aJoiningWorkerGetsItsShareOnlyAfterTheHolderHandsItOver() {
        var a = ClusterAssignment(me: "a", partitions: 2, sessionTimeout: .seconds(4))
        var b = ClusterAssignment(me: "b", partitions: 2, sessionTimeout: .seconds(4))
        a.leased(0, revision: 5, now: at(0))
        a.leased(1, revision: 6, now: at(0))
        var seen = Observation(members: ["a": 1, "b": 2], leases: [0: .init(holder: "a", revision: 5), 1: .init(holder: "a", revision: 6)])
        // b is assigned partition 1, but a holds a fresh lease on it: b waits, a hands it over.
        #expect(b.round(seen, now: at(100)) == [])
        #expect(a.round(seen, now: at(100)) == [.renew(0, revision: 5), .release(1, revision: 6)])
        a.leased(0, revision: 7, now: at(150))
        a.dropped(1)
        seen.leases = [0: .init(holder: "a", revision: 7)]
        seen.members = ["a": 3, "b": 4]
        #expect(b.round(seen, now: at(600)) == [.acquire(1, expecting: 0)])
        #expect(a.round(seen, now: at(600)) == [.renew(0, revision: 7)])
    }

    @Test func aDeadWorkersPartitionsMoveOnlyAfterItsLeaseWentStale() {
        var b = ClusterAssignment(me: "b", partitions: 2, sessionTimeout: .seconds(4))
        // a held partition 0 and heartbeated until time 0; then it died.
        let seen = Observation(members: ["a": 9, "b": 2], leases: [0: .init(holder: "a", revision: 20)])
        b.leased(1, revision: 21, now: at(0))
        var frozen = seen
        frozen.leases[1] = .init(holder: "b", revision: 21)
        #expect(b.round(frozen, now: at(0)) == [.renew(1, revision: 21)])
        var renewedRevision: UInt64 = 21
        var taken: Int?
        for step in 1...20 {
            let now = at(step * 500)
            b.leased(1, revision: renewedRevision, now: now)
            frozen.leases[1] = .init(holder: "b", revision: renewedRevision)
            frozen.members["b"] = UInt64(100 + step)
            let actions = b.round(frozen, now: now)
            if actions.contains(.acquire(0, expecting: 20)) { taken = step * 500; break }
            renewedRevision += 1
        }
        // Never before the session timeout; within a round after it.
        #expect(taken.map { $0 >= 4_000 && $0 <= 4_500 } == true, "taken at \(String(describing: taken)) ms")
    }

    @Test func aHolderThatCannotRenewStopsBeforeAnyoneMayTakeOver() {
        var a = ClusterAssignment(me: "a", partitions: 1, sessionTimeout: .seconds(4))
        a.leased(0, revision: 5, now: at(0))
        #expect(a.fencing(now: at(1_900)) == [])
        #expect(a.fencing(now: at(2_000)) == [0])     // half the timeout: well before the 4 s others wait
        #expect(a.held.isEmpty)
    }

    @Test func aLeaseSomeoneElseWroteIsNoLongerOurs() {
        var a = ClusterAssignment(me: "a", partitions: 1, sessionTimeout: .seconds(4))
        a.leased(0, revision: 5, now: at(0))
        let seen = Observation(members: ["a": 1], leases: [0: .init(holder: "b", revision: 6)])
        #expect(a.round(seen, now: at(500)) == [.fence(0)])
        #expect(a.held.isEmpty)
    }

    @Test func finishedPartitionsAreNotTakenAgain() {
        var a = ClusterAssignment(me: "a", partitions: 3, sessionTimeout: .seconds(4))
        let seen = Observation(members: ["a": 1], finished: [1])
        #expect(a.round(seen, now: at(0)) == [.acquire(0, expecting: 0), .acquire(2, expecting: 0)])
    }

    @Test func everyWorkerComputesTheSameOwners() {
        let live = ["w3", "w1", "w2"].sorted()
        for partition in 0..<12 {
            #expect(ClusterAssignment.owner(of: partition, among: live) == live[partition % 3])
        }
    }
}

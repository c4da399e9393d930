import Testing
import SluiceCore
import SluiceMatching
import SluiceTesting

@Suite struct IncrementalResolverTests {
    @Test func aStreamOfRecordsJoinsTheEntitiesOfItsMatches() {
        let people = SyntheticPeople(count: 2_000, seed: 8)
        let matcher = SyntheticPeople.referenceMatcher(randomPairs: 30_000)
        let half = people.records.count / 2
        let history = Array(people.records.prefix(half)), arriving = Array(people.records.dropFirst(half))
        let trained = matcher.deduplicate(history, id: \.id)
        var resolver = IncrementalResolver(matcher: matcher, trainedOn: trained, id: \.id)
        resolver.seed(history, entities: trained.clusterOf)
        var correct = 0, joined = 0
        var entityOfRecord = Dictionary(uniqueKeysWithValues: zip(history.map(\.id), history.map(\.entity)))
        for person in arriving {
            let assignment = resolver.resolve(person)
            entityOfRecord[person.id] = person.entity
            if let matched = assignment.matchedRecordID {
                joined += 1
                if entityOfRecord[matched] == person.entity { correct += 1 }
            } else {
                #expect(assignment.entity == person.id)
            }
        }
        #expect(joined > 100)
        #expect(Double(correct) / Double(joined) > 0.95, "\(correct) of \(joined)")
        #expect(resolver.records.count == people.records.count)
    }

    @Test func theStageKeepsItsRecordsAcrossARestore() throws {
        let people = SyntheticPeople(count: 600, seed: 12).records
        let matcher = SyntheticPeople.referenceMatcher(randomPairs: 10_000)
        let trained = matcher.deduplicate(people, id: \.id)
        let resolver = IncrementalResolver(matcher: matcher, trainedOn: trained, id: \.id)
        // One uninterrupted run, and one that is restored from a snapshot half-way.
        var whole = try StageHarness(ResolveEntities(resolver))
        try whole.push(contentsOf: people)
        let expected = whole.takeOutput().map(\.entity)
        var first = try StageHarness(ResolveEntities(resolver))
        try first.push(contentsOf: Array(people.prefix(300)))
        let head = first.takeOutput().map(\.entity)
        var second = try StageHarness(ResolveEntities(resolver))
        try second.restore(from: [try first.snapshot()])
        try second.push(contentsOf: Array(people.dropFirst(300)))
        #expect(head + second.takeOutput().map(\.entity) == expected)
    }
}

@Suite struct MatchEntitiesStageTests {
    @Test func theBatchStageTagsEveryRecordWithItsEntity() throws {
        let people = SyntheticPeople(count: 800, seed: 14)
        let matcher = SyntheticPeople.referenceMatcher(randomPairs: 10_000)
        let output = try StageHarness.run(MatchEntities(matcher, id: { $0.id }), on: people.records, chunkSize: 100)
        let byID = people.records.sorted { $0.id < $1.id }
        #expect(output.map(\.recordID) == byID.map(\.id))
        let direct = matcher.deduplicate(byID, id: \.id)
        #expect(output.map(\.entity) == direct.clusterOf)
        #expect(output.filter { $0.matchedRecordID != nil }.allSatisfy { ($0.probability ?? 0) >= matcher.threshold })
    }

    @Test func theOutputDoesNotDependOnTheOrderOfArrival() throws {
        let people = SyntheticPeople(count: 400, seed: 15)
        let matcher = SyntheticPeople.referenceMatcher(randomPairs: 5_000)
        var shuffler = SplitMix64(seed: 3)
        let arrivals = [people.records, people.records.reversed(), people.records.shuffled(using: &shuffler)]
        let outputs = try arrivals.map { records in
            try StageHarness.run(MatchEntities(matcher, id: { $0.id }), on: records, chunkSize: 64)
                .map { "\($0.recordID) \($0.entity) \($0.matchedRecordID ?? "-") \($0.probability ?? -1)" }
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
    }
}

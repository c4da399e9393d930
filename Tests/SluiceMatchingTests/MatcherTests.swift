import Testing
import SluiceIntegration
import SluiceMatching
import SluiceCore

@Suite struct MatcherTests {
    @Test func deduplicatesSyntheticPeopleWithoutLabels() {
        let people = SyntheticPeople(count: 3_000, seed: 11)
        let result = SyntheticPeople.referenceMatcher(randomPairs: 50_000).deduplicate(people.records, id: \.id)
        let (precision, recall, f1) = result.accuracy(truePairs: people.truePairs)
        #expect(f1 >= 0.93, "precision \(precision), recall \(recall)")
        #expect(result.candidates.pairs.count < people.records.count * 50, "blocking keeps the pairs few")
        // EM learned that an exact name is strong evidence and a different name is against.
        let name = result.model.comparisons[0]
        #expect(name.weight(0) > 5 && name.weight(5) < 0)
    }

    @Test func explainsAPair() throws {
        let people = SyntheticPeople(count: 500, seed: 3)
        let result = SyntheticPeople.referenceMatcher(randomPairs: 50_000).deduplicate(people.records, id: \.id)
        let best = try #require(result.matches.max { $0.probability < $1.probability })
        let text = result.explain(best)
        #expect(text.contains("match probability"))
        #expect(text.contains("prior"))
        for comparison in ["name", "birth date", "postcode", "city", "email"] { #expect(text.contains(comparison)) }
    }

    @Test func linksTwoDatasetsOnlyAcrossThem() {
        let people = SyntheticPeople(count: 1_000, seed: 5).records
        let left = Array(people.prefix(500)), right = Array(people.dropFirst(500))
        let result = SyntheticPeople.referenceMatcher(randomPairs: 50_000).link([left, right], id: \.id)
        let leftIDs = Set(left.map(\.id))
        #expect(result.scored.allSatisfy { leftIDs.contains($0.leftID) != leftIDs.contains($0.rightID) })
    }

    @Test func clusterIDsAreStableAndSmallestMember() {
        let people = SyntheticPeople(count: 800, seed: 9)
        let first = SyntheticPeople.referenceMatcher(randomPairs: 50_000).deduplicate(people.records, id: \.id)
        let again = SyntheticPeople.referenceMatcher(randomPairs: 50_000).deduplicate(people.records.reversed(), id: \.id)
        #expect(Dictionary(uniqueKeysWithValues: zip(first.ids, first.clusterOf))
                == Dictionary(uniqueKeysWithValues: zip(again.ids, again.clusterOf)))
        for (cluster, members) in first.clusters { #expect(cluster == members.min()) }
    }

    @Test func datesAreStandardisedFromTheirListedFormatsOnly() {
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy", "MMMM d, yyyy"])
        #expect(dates.iso("1984-03-07") == "1984-03-07")
        #expect(dates.iso(" 07/03/1984 ") == "1984-03-07")
        #expect(dates.iso("7 mar 1984") == "1984-03-07")
        #expect(dates.iso("March 7, 1984") == "1984-03-07")
        #expect(dates.iso("29/02/2000") == "2000-02-29")
        #expect(dates.iso("29/02/1900") == nil, "not a leap year")
        #expect(dates.iso("1984-3-7") == nil)
        #expect(dates.iso("07.03.1984") == nil, "format not listed")
        #expect(dates.iso("") == nil)
    }
}

import Testing
import SluiceMatching

@Suite struct LabelledTrainingTests {
    @Test func labelledPairsTrainMAndDoAtLeastAsWellAsEM() {
        let people = SyntheticPeople(count: 2_000, seed: 21)
        let matcher = SyntheticPeople.referenceMatcher(randomPairs: 30_000)
        let truth = people.truePairs
        // Train on a third of the true pairs, evaluate on all.
        let labelled = Set(truth.sorted { $0[0] < $1[0] }.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        let supervised = matcher.deduplicate(people.records, id: \.id, labelledMatches: labelled)
        let unsupervised = matcher.deduplicate(people.records, id: \.id)
        let f1Labelled = supervised.accuracy(truePairs: truth).f1
        #expect(f1Labelled > 0.93)
        #expect(f1Labelled >= unsupervised.accuracy(truePairs: truth).f1 - 0.02)
        // m now reflects the labelled pairs: an exact birth date is what most true matches show.
        let birth = supervised.model.comparisons[1]
        #expect(birth.name == "birth date" && birth.m[0] > 0.7)
    }
}

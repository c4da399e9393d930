import Testing
import SluiceMatching

@Suite struct AutoModelTests {
    @Test func columnsAreRecognisedFromNamesAndValues() {
        let people = SyntheticPeople(count: 400, seed: 2).records
        let header = ["ref", "forename", "Surname", "born", "zip", "town", "mail", "notes", "amount"]
        let rows = people.map { person in
            [person.id, person.first ?? "", person.last ?? "", person.birthDate ?? "", person.postcode ?? "", person.city ?? "",
             person.email ?? "", "called on \(person.city ?? "?") about an order of several items", String(person.entity % 97)]
        }
        let model = AutoModel(header: header, rows: rows, idColumn: "ref")
        #expect(model.kinds == ["ref": .identifier, "forename": .givenName, "Surname": .familyName, "born": .date, "zip": .code,
                                "town": .category, "mail": .email, "notes": .text, "amount": .number])
        let overridden = AutoModel(header: header, rows: rows, idColumn: "ref", kinds: ["notes": .ignore])
        #expect(overridden.kinds["notes"] == .ignore)
        #expect(overridden.matcher().comparisons.map(\.name) == ["name", "born", "zip", "town", "mail", "amount"])
    }

    @Test func linksWithTheChosenModel() {
        let people = SyntheticPeople(count: 1_500, seed: 4)
        let header = ["id", "first", "last", "dob", "postcode", "city", "email"]
        let rows = people.records.map { [$0.id, $0.first ?? "", $0.last ?? "", $0.birthDate ?? "", $0.postcode ?? "", $0.city ?? "", $0.email ?? ""] }
        let model = AutoModel(header: header, rows: rows, idColumn: "id")
        let result = model.matcher().deduplicate(rows, id: { $0[0] })
        #expect(result.accuracy(truePairs: people.truePairs).f1 > 0.93)
    }
}

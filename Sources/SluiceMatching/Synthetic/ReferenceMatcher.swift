import SluiceCore
import SluiceIntegration

extension SyntheticPeople {
    /// A model for these records, as a user would write it: dates standardised from the
    /// formats the data uses, names compared as a whole so that swapped names match, and
    /// blocking on birth date, postcode, email, and the sound of either name with the birth
    /// year.
    public static func referenceMatcher(threshold: Double = 0.99, randomPairs: Int = 200_000) -> Matcher<Person> {
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy", "dd.MM.yyyy"])
        return Matcher<Person>(
            comparisons: [
                .personName("name", given: { $0.first }, family: { $0.last }),
                .date("birth date") { $0.birthDate.flatMap(dates.iso) },
                .identifier("postcode") { $0.postcode?.replacingOccurrences(of: " ", with: "") },
                .exact("city") { $0.city },
                .identifier("email", edits: 2) { $0.email },
            ],
            blocking: [
                .exact("birth date") { $0.birthDate.flatMap(dates.iso) },
                .exact("postcode") { $0.postcode?.replacingOccurrences(of: " ", with: "") },
                .exact("email") { $0.email },
                .keys("name sound + birth year", comparing: ["name", "birth date"]) { person in
                    guard let year = person.birthDate.flatMap(dates.iso)?.prefix(4) else { return [] }
                    return [person.last, person.first].compactMap { $0 }.map { Phonetic.metaphone($0) + String(year) }
                },
            ],
            threshold: threshold, randomPairs: randomPairs)
    }
}

// The business rules: what makes a customer record usable, when two records are the same
// customer, and which value of each field wins.
import Foundation
import Sluice

enum Rules {
    /// Checked after mapping; a record failing any rule is dead-lettered with every failure.
    static let validation: [ValidationRule<Contact>] = [
        .required("has a family name") { $0.family },
        .crossField("can be found again", "has no email, phone or postcode") { $0.email != nil || $0.phone != nil || $0.postcode != nil },
        .pattern("email is an address", #"[^@\s]+@[^@\s]+\.[^@\s]+"#) { $0.email },
        .pattern("phone is E.164", #"\+[1-9][0-9]{6,14}"#) { $0.phone },
        .custom("postcode fits the country") { contact in
            guard let postcode = contact.postcode else { return nil }
            let country = contact.country ?? "GB"
            return Standardise.postcode(postcode, country: country) == nil ? "'\(postcode)' is not a postcode in \(country)" : nil
        },
        .range("born 1900–2010", "1900-01-01"..."2010-12-31") { $0.birthDate },
    ]

    /// Fellegi–Sunter over names, birth date, email, phone and postcode, trained without
    /// labels; pairs above 0.99 are the same customer.
    static let matcher = Matcher<Contact>(
        comparisons: [
            .personName("name", given: { $0.given }, family: { $0.family }),
            .date("birth date") { $0.birthDate },
            .identifier("email", edits: 2) { $0.email },
            .identifier("phone") { $0.phone },
            .identifier("postcode") { $0.postcode },
        ],
        blocking: [
            .exact("email") { $0.email },
            .exact("phone") { $0.phone },
            .exact("birth date") { $0.birthDate },
            .exact("postcode") { $0.postcode },
            .phonetic("family name sound", comparing: ["name"]) { $0.family },
        ],
        threshold: 0.99, randomPairs: 100_000)

    /// Which value survives into the profile, field by field.
    static let golden = GoldenRecords<Contact>(id: { $0.id }, source: { $0.system }, rules: [
        .sourcePriority("given", ["crm", "shop", "support", "pos"]) { $0.given },
        .sourcePriority("family", ["crm", "shop", "support", "pos"]) { $0.family },
        .mostFrequent("birthDate") { $0.birthDate },
        .mostRecent("email", { $0.email }, time: { $0.updatedAt ?? "" }),
        .mostRecent("phone", { $0.phone }, time: { $0.updatedAt ?? "" }),
        .mostRecent("postcode", { $0.postcode }, time: { $0.updatedAt ?? "" }),
        .firstNonEmpty("city") { $0.city },
        .mostFrequent("country") { $0.country },
        .sourcePriority("marketingOptIn", ["shop", "crm"]) { $0.marketingOptIn.map { String($0) } },
    ])
}

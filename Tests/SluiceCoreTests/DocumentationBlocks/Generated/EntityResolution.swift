// Generated from Documentation/EntityResolution.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceIntegration
import SluiceMatching
import SluiceTesting
import Testing

enum Doc_EntityResolution {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct Contact: Sendable { var id: String; var system: String; var name, email, postcode, address, phone, tier: String?; var updatedAt: Date? }
    struct Customer: Codable, Sendable { var id: String; var first, last, birthDate, postcode, email: String? }
    struct Assigned: Codable, Sendable { var id: String; var entity: String }
    static let people: [Person] = []
    static let contacts: [Contact] = []
    static let knownCustomers: [Customer] = []
    static let customerMatcher = Matcher<Customer>(comparisons: [.identifier("email") { $0.email }], blocking: [.exact("postcode") { $0.postcode }])

    // Documentation/EntityResolution.md, line 17
    struct Person: Sendable { var id, first, last, birthDate, postcode, email: String? }

    // Documentation/EntityResolution.md, line 17
    static func block1() async throws {


        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy"])
        let matcher = Matcher<Person>(
            comparisons: [
                .personName("name", given: { $0.first }, family: { $0.last }),
                .date("birth date") { $0.birthDate.flatMap(dates.iso) },
                .identifier("postcode") { $0.postcode },
                .identifier("email", edits: 2) { $0.email },
            ],
            blocking: [
                .exact("birth date") { $0.birthDate.flatMap(dates.iso) },
                .exact("postcode") { $0.postcode },
                .phonetic("surname sound", comparing: ["name"]) { $0.last },
            ],
            threshold: 0.99)

        let result = matcher.deduplicate(people, id: { $0.id! })
        print(result.candidates.perRule)          // candidate pairs per blocking rule, before scoring
        for (cluster, members) in result.clusters { print(cluster, members) }
        print(result.explain(result.matches[0]))
        _ = dates
        _ = matcher
        _ = result
    }

    // Documentation/EntityResolution.md, line 133
    static func block2() async throws {
        let result = customerMatcher.deduplicate(knownCustomers, id: { $0.id })
        let golden = GoldenRecords<Contact>(id: { $0.id }, source: { $0.system }, rules: [
            .sourcePriority("name", ["crm", "shop"]) { $0.name },          // the most trusted source
            .mostRecent("email", { $0.email }, time: { $0.updatedAt }),      // the latest update
            .mostFrequent("postcode") { $0.postcode },                       // what most records say
            .longest("address") { $0.address },                              // the most complete
            .firstNonEmpty("phone") { $0.phone },                            // the first one given
            .custom("vip", { $0.tier }) { candidates in candidates.first { $0.value == "gold" } },
        ])
        for record in try golden.build(contacts, clusterOf: result.clusterOf) {
            print(record.entity, record.members, record["email"]!.value ?? "-", "from", record["email"]!.recordID ?? "-")
        }
        _ = result
        _ = golden
    }

    // Documentation/EntityResolution.md, line 192
    static func block3() async throws {
        let matcher = customerMatcher
        let history = matcher.deduplicate(knownCustomers, id: { $0.id })    // trains the model
        var resolver = IncrementalResolver(matcher: matcher, trainedOn: history, id: { $0.id })
        documented(resolver.seed(knownCustomers, entities: history.clusterOf))  // start from what is known

        try await Pipeline("new customers") {
            Source.followJSONLines("signups.jsonl", as: Customer.self)
            ResolveEntities(resolver)                                         // → EntityAssignment<Customer>
            Map { (assigned: EntityAssignment<Customer>) in Assigned(id: assigned.recordID, entity: assigned.entity) }
            Sink.jsonLines("assignments.jsonl", of: Assigned.self)
        }.run(checkpoints: .every(.seconds(10), in: "state/resolve"))
        _ = matcher
        _ = history
        _ = resolver
    }
}

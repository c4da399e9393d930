// Generated from Documentation/Connectors/CSV.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_CSV {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/CSV.md, line 6
    struct Person: Codable, Sendable { var name: String; var age: Int; var email: String? }

    // Documentation/Connectors/CSV.md, line 6
    static func block1() async throws {

        try await Pipeline("people") {
            Source.csv("exports/people-*.csv", as: Person.self).onError(.deadLetter)
            Filter { (person: Person) in person.age >= 18 }
            Sink.csv("out/adults.csv", of: Person.self)
        }.deadLetters(to: Sink.jsonLines("out/rejected.jsonl", of: DeadLetter.self)).run()
    }

    // Documentation/Connectors/CSV.md, line 98
    static func block2() async throws {
        _ = Source.followCSV("exports/orders.csv", as: Order.self, endAfterIdle: .seconds(30)).onError(.deadLetter)
    }
}

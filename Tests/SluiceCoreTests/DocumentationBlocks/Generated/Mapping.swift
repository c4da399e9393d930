// Generated from Documentation/Mapping.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Mapping {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Mapping.md, line 14
    static func block1() async throws {
        _ = Source.csv("shop-a.csv")              // every column as text: "00123" keeps its zeros
        _ = Source.jsonLines("shop-b.jsonl")      // JSON types kept, nested objects as records
    }

    // Documentation/Mapping.md, line 45
    static func block2() async throws {
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy"])
        let cleanEmail: @Sendable (Value) -> Value? = { $0.text.flatMap(Standardise.email).map(Value.string) }
        let customers = FieldMapping([
            .field("customerId", from: ["CustomerID", "UserNumber"], as: .text),
            .field("email", from: ["Email", "mail"], default: .null, transform: cleanEmail),
            .field("age", from: ["Age"], as: .integer, default: .null),
            .field("country", from: ["Country"], default: .string("GB")),
            .field("joined", from: ["Joined", "signup_date"], as: .date(dates), default: .null),
            .derived("adult", as: .boolean) { record in
                guard case .int(let age)? = record["age"] else { return nil }
                return .bool(age >= 18)
            },
        ], unmapped: .reject)

        print(customers)
        _ = dates
        _ = cleanEmail
        _ = customers
    }

    // Documentation/Mapping.md, line 90
    static func block3() async throws {
        struct Customer: Codable, Sendable { var customerId: String; var email: String?; var age: Int?; var country: String; var joined: Date?; var adult: Bool? }
        let customers = FieldMapping([.field("customerId", from: ["CustomerID"], as: .text)])
        _ = Pipeline("customers") {
            Merge {
                Source.csv("shop-a.csv")
                Source.jsonLines("shop-b.jsonl")
            }
            MapRecords(customers, as: Customer.self).onError(.deadLetter)
            Sink.jsonLines("customers.jsonl", of: Customer.self)
        }.deadLetters(to: Sink.jsonLines("rejected.jsonl", of: DeadLetter.self))
        _ = customers
    }

    // Documentation/Mapping.md, line 118
    static func block4() async throws {
        let changes = SchemaReport()
        try await Pipeline("landing") {
            Source.jsonLines("landing/events-*.jsonl")
            EnforceSchema(file: "warehouse/events.schema.json", policy: .evolve, report: changes)
            Sink.jsonLines("warehouse/events.jsonl", of: Record.self)
        }.run()
        print(changes)
        _ = changes
    }
}

@Suite struct Doc_Mapping_Runs {
    @Test func block2() async throws { try await Doc_Mapping.block2() }
}

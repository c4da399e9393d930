// Generated from Documentation/Connectors/JSONDocuments.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_JSONDocuments {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Connectors/JSONDocuments.md, line 7
    struct Ticket: Codable, Sendable { var ticket: String; var status: String; var opened_at: String }

    // Documentation/Connectors/JSONDocuments.md, line 7
    static func block1() async throws {

        try await Pipeline("tickets") {
            Source.json("exports/support-*.json", records: "tickets", as: Ticket.self).onError(.deadLetter)
            Sink.jsonLines("warehouse/tickets.jsonl", of: Ticket.self)
        }.deadLetters(to: Sink.jsonLines("warehouse/rejected.jsonl", of: DeadLetter.self)).run()
    }
}

// Generated from Documentation/Connectors/StandardIO.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Connectors_StandardIO {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    static func parse(_ line: String) throws -> Hit {
        let fields = line.split(separator: " ")
        guard fields.count == 2, let status = Int(fields[1]) else { throw RecordError("not 'path status'") }
        return Hit(path: String(fields[0]), status: status)
    }

    // Documentation/Connectors/StandardIO.md, line 14
    struct Hit: Codable, Sendable { var path: String; var status: Int }

    // Documentation/Connectors/StandardIO.md, line 14
    static func block1() async throws {

        try await Pipeline("errors") {
            Source.standardInput()                                     // String per line
            Map { (line: String) throws -> Hit in try parse(line) }.onError(.skip)
            Filter { (hit: Hit) in hit.status >= 500 }
            Sink.standardOutput(of: Hit.self)                          // JSON Lines
        }.run()
    }
}

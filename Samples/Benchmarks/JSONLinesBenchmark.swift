import Foundation
import Sluice

/// (b) JSON Lines events decoded, filtered, mapped and written back.
enum JSONLinesBenchmark {
    struct Event: Codable, Sendable {
        var user: String
        var ts: Int64
        var amount: Double
        var country: String
    }

    struct Enriched: Codable, Sendable {
        var user: String
        var ts: Int64
        var amount: Double
        var country: String
        var amount_cents: Int

        init(_ event: Event) {
            user = event.user
            ts = event.ts
            amount = event.amount
            country = event.country
            amount_cents = Int((event.amount * 100).rounded())
        }
    }

    static func sluice(input: String, output: String, parallelism: Int = 1) async throws -> RunReport {
        try await Pipeline("jsonl") {
            Source.jsonLines(input, as: Event.self).parallelism(parallelism)
            Filter { (event: Event) in event.amount > 10 }.parallelism(parallelism)
            Map(Enriched.init).parallelism(parallelism)
            Sink.jsonLines(output, of: Enriched.self)
        }.run()
    }

    /// The same work with Sluice's decoder and encoder, no pipeline.
    static func sameDecoderLoop(input: String, output: String) throws -> Int {
        let decoder = JSONRecordDecoder()
        let encoder = JSONRecordEncoder()
        let out = try BufferedOutput(path: output)
        var written = 0
        try forEachLine(of: input) { line in
            let event = try decoder.decode(Event.self, from: line)
            guard event.amount > 10 else { return }
            try encoder.encode(Enriched(event), into: &out.buffer)
            out.buffer.append(0x0A)
            written += 1
            try out.flushIfNeeded()
        }
        try out.close()
        return written
    }

    /// What a user writes without Sluice: Foundation's JSONDecoder and JSONEncoder per line.
    static func foundationLoop(input: String, output: String) throws -> Int {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        let out = try BufferedOutput(path: output)
        var written = 0
        try forEachLine(of: input) { line in
            let event = try decoder.decode(Event.self, from: Data(line))
            guard event.amount > 10 else { return }
            out.buffer.append(contentsOf: try encoder.encode(Enriched(event)))
            out.buffer.append(0x0A)
            written += 1
            try out.flushIfNeeded()
        }
        try out.close()
        return written
    }

    static func run(input: String, count: Int, scratch: String) async throws {
        print("(b) \(count) JSON Lines events: decode → filter amount > 10 → map → encode")
        let sluiceOutput = scratch + "/jsonl-sluice.jsonl"
        let loopOutput = scratch + "/jsonl-loop.jsonl"
        var written = 0
        let sluiceTime = try await measure(repetitions: 2) {
            written = try await sluice(input: input, output: sluiceOutput)[stage: "jsonLinesSink"]?.recordsOut ?? -1
        }
        var loopWritten = 0
        let loopTime = try await measure(repetitions: 2) { loopWritten = try sameDecoderLoop(input: input, output: loopOutput) }
        precondition(written == loopWritten && sameContents(sluiceOutput, loopOutput), "outputs differ")
        let foundationTime = try await measure { _ = try foundationLoop(input: input, output: scratch + "/jsonl-foundation.jsonl") }
        report("pipeline", sluice: sluiceTime, loop: loopTime, loopName: "loop, same decoder", items: count)
        report("pipeline", sluice: sluiceTime, loop: foundationTime, loopName: "loop, Foundation", items: count)
        print(String(format: "  Sluice is %.1f× faster than the Foundation loop; %d events written, outputs identical",
                     foundationTime.seconds / sluiceTime.seconds, written))
    }
}

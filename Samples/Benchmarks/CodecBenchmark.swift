import Foundation
import Sluice

/// Per-record cost of Sluice's JSON decoder and encoder beside Foundation's, on the same
/// lines held in memory: no I/O, no pipeline.
enum CodecBenchmark {
    static func run(input: String, sluiceOnly: Bool = false) async throws {
        typealias Event = JSONLinesBenchmark.Event
        var lines: [[UInt8]] = []
        try forEachLine(of: input) { lines.append(Array($0)) }
        print("codec: \(lines.count) JSON lines of about \(lines.first?.count ?? 0) bytes")
        let decoder = JSONRecordDecoder()
        var events: [Event] = []
        events.reserveCapacity(lines.count)
        let decode = try await measure(repetitions: 3) {
            events.removeAll(keepingCapacity: true)
            for line in lines { events.append(try line.withUnsafeBytes { try decoder.decode(Event.self, from: $0) }) }
        }
        let foundationDecoder = JSONDecoder()
        let foundationDecode = try await measure(repetitions: sluiceOnly ? 0 : 1) {
            if sluiceOnly { return }
            for line in lines { _ = try foundationDecoder.decode(Event.self, from: Data(line)) }
        }
        let encoder = JSONRecordEncoder()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.count * 80)
        let encode = try await measure(repetitions: 3) {
            bytes.removeAll(keepingCapacity: true)
            for event in events { try encoder.encode(event, into: &bytes) }
        }
        let foundationEncoder = JSONEncoder()
        let foundationEncode = try await measure(repetitions: sluiceOnly ? 0 : 1) {
            if sluiceOnly { return }
            for event in events { _ = try foundationEncoder.encode(event) }
        }
        func perRecord(_ duration: Duration) -> Double { duration.seconds / Double(lines.count) * 1e9 }
        print(String(format: "  decode  sluice %6.0f ns/record   Foundation %6.0f ns/record   %.1f× faster",
                     perRecord(decode), perRecord(foundationDecode), foundationDecode.seconds / decode.seconds))
        print(String(format: "  encode  sluice %6.0f ns/record   Foundation %6.0f ns/record   %.1f× faster",
                     perRecord(encode), perRecord(foundationEncode), foundationEncode.seconds / encode.seconds))
    }
}

import Foundation
import Sluice
import SluiceTesting

/// Per-record cost of Sluice's JSON decoder and encoder beside Foundation's, on the same
/// lines held in memory: no I/O, no pipeline. Then the CSV source and sink on the same events.
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
        // The cost of Codable's own calls for this type, with nothing parsed or written.
        let floorDecoder = FloorDecoder()
        var floorSum = 0.0
        let decodeFloor = try await measure(repetitions: 3) {
            for _ in lines { floorSum += try Event(from: floorDecoder).amount }
        }
        let floorEncoder = FloorEncoder()
        let encodeFloor = try await measure(repetitions: 3) {
            for event in events { try event.encode(to: floorEncoder) }
        }
        precondition(floorSum > 0 && floorEncoder.fields > 0)
        let foundationEncoder = JSONEncoder()
        let foundationEncode = try await measure(repetitions: sluiceOnly ? 0 : 1) {
            if sluiceOnly { return }
            for event in events { _ = try foundationEncoder.encode(event) }
        }
        // CSV: the same events written by the CSV sink and read back by the CSV source, both
        // outside a pipeline (file I/O included, in the page cache).
        let csvPath = NSTemporaryDirectory() + "sluice-codec-\(getpid()).csv"
        defer { try? FileManager.default.removeItem(atPath: csvPath) }
        let csvEncode = try await measure(repetitions: 3) {
            var sink = try await SinkHarness(Sink.csv(csvPath, of: Event.self))
            for start in stride(from: 0, to: events.count, by: 4096) {
                try await sink.write(Array(events[start..<min(start + 4096, events.count)]))
            }
            try await sink.finish()
        }
        var csvRead = 0
        let csvDecode = try await measure(repetitions: 3) {
            csvRead = try await SourceHarness.readAll(Source.csv(csvPath, as: Event.self), chunkSize: 4096).elements.count
        }
        precondition(csvRead == events.count, "the CSV file read back differs")
        func perRecord(_ duration: Duration) -> Double { duration.seconds / Double(lines.count) * 1e9 }
        print(String(format: "  csv     read %6.0f ns/record   write %6.0f ns/record   (file I/O included)",
                     perRecord(csvDecode), perRecord(csvEncode)))
        print(String(format: "  decode  sluice %6.0f ns/record   Foundation %6.0f ns/record   %.1f× faster",
                     perRecord(decode), perRecord(foundationDecode), foundationDecode.seconds / decode.seconds))
        print(String(format: "  encode  sluice %6.0f ns/record   Foundation %6.0f ns/record   %.1f× faster",
                     perRecord(encode), perRecord(foundationEncode), foundationEncode.seconds / encode.seconds))
        print(String(format: "  Codable's own calls, nothing parsed or written: decode %.0f ns/record, encode %.0f ns/record",
                     perRecord(decodeFloor), perRecord(encodeFloor)))
    }
}

import Foundation
import Sluice

/// Hostile but legal input: one record with 50,000 fields, one 10 MB JSON line, one 50 MB
/// CSV field. Each is read through a Sluice file source into a `Record` and, beside it, by a
/// plain parser doing the same work (Foundation's JSONSerialization; a split of the line on
/// commas), so that the ratio shows whether Sluice has a cliff the plain code does not.
enum HostileInputBenchmark {
    /// Runs every case, each in a process of its own so that its peak memory is its own; with
    /// `only`, runs that case here.
    static func run(scratch: String, only: Int? = nil) async throws {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let cases: [(String, () async throws -> Void)] = [
            ("wide JSON line", { try await wideJSON(scratch) }),
            ("wide CSV row", { try await wideCSV(scratch) }),
            ("big CSV field", { try await bigField(scratch) }),
            ("long JSON line", { try await longLine(scratch) }),
        ]
        if let only {
            try await cases[only].1()
            return
        }
        // Written at once (print buffers when the output is a pipe, and the cases write too).
        FileHandle.standardOutput.write(Data("hostile input: one record each, read as a Record; each case runs in its own process\n".utf8))
        for index in cases.indices {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["hostile", "--case", String(index), "--data", scratch]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw RecordError("hostile case \(cases[index].0) failed") }
        }
    }

    static func wideJSON(_ scratch: String) async throws {
        let keys = 50_000
        let wideJSON = scratch + "/wide-\(keys).jsonl"
        try write("{" + (0..<keys).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}\n", to: wideJSON)
        try await compare("JSON line, \(keys) keys", path: wideJSON, expectFields: keys, loopName: "JSONSerialization",
                          sluice: { Source.jsonLines($0) }, loop: foundationFieldCount)
    }

    static func wideCSV(_ scratch: String) async throws {
        let keys = 50_000
        let wideCSV = scratch + "/wide-\(keys).csv"
        try write((0..<keys).map { "c\($0)" }.joined(separator: ",") + "\n" + (0..<keys).map { String($0) }.joined(separator: ",") + "\n",
                  to: wideCSV)
        try await compare("CSV row, \(keys) columns", path: wideCSV, expectFields: keys, loopName: "split on commas",
                          sluice: { Source.csv($0) }, loop: splitFieldCount)
    }

    static func bigField(_ scratch: String) async throws {
        let bigField = scratch + "/field-50MB.csv"
        try write("id,text,note\n1,\"" + String(repeating: "a", count: 50_000_000) + "\",x\n", to: bigField)
        try await compare("CSV field of 50 MB", path: bigField, expectFields: 3, loopName: "split on commas",
                          sluice: { Source.csv($0) }, loop: splitFieldCount)
    }

    static func longLine(_ scratch: String) async throws {
        let longLine = scratch + "/array-10MB.jsonl"
        try write("{\"a\":[" + String(repeating: "1,", count: 5_000_000) + "1]}\n", to: longLine)
        try await compare("JSON line of 10 MB (5M numbers)", path: longLine, expectFields: 1, loopName: "JSONSerialization",
                          sluice: { Source.jsonLines($0) }, loop: foundationFieldCount)
    }

    /// Writes the input once; `text` is only built then, so that it does not count in the
    /// peak memory of later runs.
    static func write(_ text: @autoclosure () -> String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { try text().write(toFile: path, atomically: true, encoding: .utf8) }
    }

    static func compare<S: SourceStage>(_ name: String, path: String, expectFields: Int, loopName: String,
                                        sluice makeSource: @escaping @Sendable (String) -> S,
                                        loop: (String) throws -> Int) async throws where S.Output == Record {
        let collector = Collector<Int>()
        let sluice = try await measure(repetitions: 3) {
            collector.removeAll()
            _ = try await Pipeline("hostile") {
                makeSource(path)
                Map { (record: Record) in record.fields.count }
                Sink.collect(into: collector)
            }.run()
        }
        guard collector.elements == [expectFields] else {
            throw RecordError("\(name): Sluice read \(collector.elements) fields, expected [\(expectFields)]")
        }
        let sluicePeak = peakResidentMiB()   // this process runs this case only
        var fields = 0
        let plain = try await measure(repetitions: 3) { fields = try loop(path) }
        guard fields == expectFields else { throw RecordError("\(name): the plain loop found \(fields) fields") }
        report(name, sluice: sluice, loop: plain, loopName: loopName, items: 1)
        let size = Double((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1_048_576
        print(String(format: "      input %.1f MiB, peak resident after Sluice %.0f MiB", size, sluicePeak))
    }

    /// Fields of the first line's top-level object, by Foundation.
    static func foundationFieldCount(_ path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let line = data.prefix(while: { $0 != 0x0A })
        return (try JSONSerialization.jsonObject(with: line) as? [String: Any])?.count ?? 0
    }

    /// Fields of the second line (the first data row), split on commas outside quotes.
    static func splitFieldCount(_ path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var fields: [String] = []
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var index = 0
            while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            index += 1
            var start = index, inQuotes = false
            while index < bytes.count, inQuotes || bytes[index] != 0x0A {
                if bytes[index] == 0x22 { inQuotes.toggle() }
                if bytes[index] == 0x2C, !inQuotes {
                    fields.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                    start = index + 1
                }
                index += 1
            }
            fields.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        }
        return fields.count
    }
}

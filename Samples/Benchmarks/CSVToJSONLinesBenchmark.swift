import Sluice

/// (d) An RFC 4180 CSV to one JSON object per row, values as strings.
enum CSVToJSONLinesBenchmark {
    static func sluice(input: String, output: String, parallelism: Int = 1) async throws -> Int {
        let report = try await Pipeline("csv-to-jsonl") {
            Source.csvRecords(input).parallelism(parallelism)
            Sink.jsonLines(output, of: CSVRecord.self)
        }.run()
        return report[stage: "jsonLinesSink"]?.recordsOut ?? -1
    }

    /// The same work with Sluice's CSV reader and JSON encoder, no pipeline.
    static func sameDecoderLoop(input: String, output: String) throws -> Int {
        let reader = try CSVFileReader(path: input)
        defer { reader.close() }
        let encoder = JSONRecordEncoder()
        let out = try BufferedOutput(path: output)
        guard let header = try reader.next() else { try out.close(); return 0 }
        var written = 0
        while let fields = try reader.next() {
            try encoder.encode(CSVRecord(columns: header, values: fields), into: &out.buffer)
            out.buffer.append(0x0A)
            written += 1
            try out.flushIfNeeded()
        }
        try out.close()
        return written
    }

    static func run(input: String, output: String, rows: Int?, scratch: String) async throws {
        print("(d) csv-to-jsonl: \(input)")
        var written = 0
        let sluiceTime = try await measure(repetitions: 2) { written = try await sluice(input: input, output: output) }
        let loopOutput = scratch + "/csv-loop.jsonl"
        var loopWritten = 0
        let loopTime = try await measure(repetitions: 2) { loopWritten = try sameDecoderLoop(input: input, output: loopOutput) }
        precondition(written == loopWritten && sameContents(output, loopOutput), "outputs differ")
        report("pipeline", sluice: sluiceTime, loop: loopTime, loopName: "loop, same decoder", items: rows ?? written)
        print("  \(written) rows written to \(output), identical to the loop's")
    }
}

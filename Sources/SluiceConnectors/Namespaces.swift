import SluiceCore

/// The built-in sources.
public enum Source {
    /// The elements of an in-memory sequence (an array, a range, …), in order.
    @inlinable public static func collection<Elements: Sequence & Sendable>(_ elements: Elements) -> SequenceSource<Elements> {
        SequenceSource(elements)
    }

    /// `count` elements made by `make(index)`; without a count, elements without end.
    @inlinable public static func generate<Output: Sendable>(count: Int? = nil, _ make: @escaping @Sendable (Int) throws -> Output) -> GeneratorSource<Output> {
        GeneratorSource(count: count, make: make)
    }

    /// The lines of the files matching `path` (a path or a glob pattern).
    public static func lines(_ path: String) -> TextLinesSource {
        TextLinesSource(files: FileList(path))
    }

    /// JSON Lines files matching `path`, each line decoded as `type`.
    @inlinable public static func jsonLines<Output: Decodable & Sendable>(_ path: String, as type: Output.Type) -> JSONLinesSource<Output> {
        JSONLinesSource(files: FileList(path))
    }

    /// CSV files matching `path`, each record decoded as `type` by column name.
    @inlinable public static func csv<Output: Decodable & Sendable>(_ path: String, as type: Output.Type,
                                                                  options: CSVOptions = CSVOptions()) -> CSVSource<Output> {
        CSVSource(files: FileList(path), options: options,
                  missingColumn: { CSVHeaderCheck.missingColumn(of: Output.self, in: $0) }) { decoder, _, _ in try Output(from: decoder) }
    }

    /// JSON Lines files matching `path`, each line as a schema-less ``Record`` (JSON types
    /// kept): for data whose shape is known only at run time.
    public static func jsonLines(_ path: String) -> JSONLinesSource<Record> {
        JSONLinesSource(files: FileList(path))
    }

    /// CSV files matching `path`, each row as a schema-less ``Record`` of text values named by
    /// the header.
    public static func csv(_ path: String, options: CSVOptions = CSVOptions()) -> CSVSource<Record> {
        CSVSource(files: FileList(path), options: options) { decoder, _, _ in try decoder.record() }
    }

    /// JSON documents matching `path` (each file one JSON value), each element of the array at
    /// the dotted path `records` (`""` when the document is the array) decoded as `type`; see
    /// ``JSONDocumentSource``.
    public static func json<Output: Decodable & Sendable>(_ path: String, records: String = "", as type: Output.Type) -> JSONDocumentSource<Output> {
        JSONDocumentSource(files: FileList(path), recordsPath: records)
    }

    /// JSON documents matching `path`, each element of the array at `records` as a
    /// schema-less ``Record`` (JSON types kept).
    public static func json(_ path: String, records: String = "") -> JSONDocumentSource<Record> {
        JSONDocumentSource(files: FileList(path), recordsPath: records)
    }

    /// CSV files matching `path`, each record as text values with the header's names.
    public static func csvRecords(_ path: String, options: CSVOptions = CSVOptions()) -> CSVSource<CSVRecord> {
        CSVSource(files: FileList(path), options: options) { _, parser, header in
            CSVRecord(columns: header.names, values: try (0..<parser.fieldCount).map { try parser.string(at: $0) })
        }
    }

    /// A JSON Lines file followed as it grows (`tail -F`), decoded as `type`; see
    /// ``FollowingJSONLinesSource``. Without `endAfterIdle` it never ends.
    @inlinable public static func followJSONLines<Output: Decodable & Sendable>(
        _ path: String, as type: Output.Type, pollEvery poll: Duration = .milliseconds(200), endAfterIdle: Duration? = nil
    ) -> FollowingJSONLinesSource<Output> {
        FollowingJSONLinesSource(path: path, poll: poll, endAfterIdle: endAfterIdle)
    }

    /// Records from a JSON REST API, page by page; see ``HTTPSource``. `records` is the path
    /// of the records array in each response (`""` when the response is the array).
    public static func http<Output: Decodable & Sendable>(
        _ url: String, as type: Output.Type, records: String = "", pagination: Pagination = .none,
        options: HTTPRequestOptions = HTTPRequestOptions(), rateLimit: RateLimit? = nil, retry: RetryPolicy = RetryPolicy(),
        incremental: IncrementalCursor? = nil
    ) -> HTTPSource<Output> {
        HTTPSource(url: url, recordsPath: records, pagination: pagination, options: options, rateLimit: rateLimit,
                   retry: retry, incremental: incremental)
    }

    /// Every response of a JSON REST API, whole and as it came, as a ``LandedPayload`` (for
    /// a landing zone); pagination, rate limits, retries and the incremental cursor work as in
    /// ``http(_:as:records:pagination:options:rateLimit:retry:incremental:)``.
    public static func httpPages(
        _ url: String, records: String = "", pagination: Pagination = .none, options: HTTPRequestOptions = HTTPRequestOptions(),
        rateLimit: RateLimit? = nil, retry: RetryPolicy = RetryPolicy(), incremental: IncrementalCursor? = nil
    ) -> HTTPSource<LandedPayload> {
        HTTPSource(url: url, recordsPath: records, pagination: pagination, options: options, rateLimit: rateLimit,
                   retry: retry, incremental: incremental, wholePages: { $0 })
    }

    /// The payloads a ``LandingZoneSink`` landed for `source` under `directory`, in part-file
    /// order (hidden, unfinished parts are not read).
    public static func landingZone(_ directory: String, source: String) -> JSONLinesSource<LandedPayload> {
        JSONLinesSource(files: FileList("\(directory)/source=\(source)/*/part-*.jsonl"))
    }

    /// A CSV file followed as it grows (`tail -F`), each record decoded as `type` by the
    /// header's names; see ``FollowingCSVSource``. Without `endAfterIdle` it never ends.
    @inlinable public static func followCSV<Output: Decodable & Sendable>(
        _ path: String, as type: Output.Type, options: CSVOptions = CSVOptions(),
        pollEvery poll: Duration = .milliseconds(200), endAfterIdle: Duration? = nil
    ) -> FollowingCSVSource<Output> {
        FollowingCSVSource(path: path, options: options, poll: poll, endAfterIdle: endAfterIdle,
                           missingColumn: { CSVHeaderCheck.missingColumn(of: Output.self, in: $0) }) { decoder, _, _ in
            try Output(from: decoder)
        }
    }

    /// Every JSON Lines file whose name matches `pattern` (a glob such as `*.jsonl`) in
    /// `directory`, each read once as it lands; see ``DirectoryWatchSource``.
    @inlinable public static func watchDirectory<Output: Decodable & Sendable>(
        _ directory: String, matching pattern: String = "*", as type: Output.Type,
        pollEvery poll: Duration = .milliseconds(500), endAfterIdle: Duration? = nil
    ) -> DirectoryWatchSource<Output> {
        DirectoryWatchSource(directory: directory, pattern: pattern, poll: poll, endAfterIdle: endAfterIdle)
    }

    /// Events made by `make(index, eventTime)` at `perSecond` in processing time, with event
    /// times up to `maxDisorder` out of order; `count` of them, or without end.
    @inlinable public static func events<Output: Sendable>(
        count: Int? = nil, perSecond: Double, maxDisorder: Duration = .zero, seed: UInt64 = 42,
        _ make: @escaping @Sendable (_ index: Int, _ eventTime: Timestamp) throws -> Output
    ) -> PacedGeneratorSource<Output> {
        PacedGeneratorSource(count: count, perSecond: perSecond, maxDisorder: maxDisorder, seed: seed, make: make)
    }

    /// Standard input, line by line.
    public static func standardInput() -> StandardInputSource { StandardInputSource() }
}

/// The built-in sinks.
public enum Sink {
    /// Appends every element to `collector`.
    public static func collect<Input: Sendable>(into collector: Collector<Input>) -> CollectSink<Input> {
        CollectSink(collector: collector)
    }

    /// Folds every element into `accumulator`'s value with `update`.
    @inlinable public static func reduce<Input: Sendable, Value: Sendable>(
        into accumulator: Accumulator<Value>, _ update: @escaping @Sendable (inout Value, Input) -> Void
    ) -> ReduceSink<Input, Value> {
        ReduceSink(accumulator: accumulator, update: update)
    }

    /// Calls `body` for every element.
    public static func forEach<Input: Sendable>(_ body: @escaping @Sendable (Input) async throws -> Void) -> ForEachSink<Input> {
        ForEachSink(body: body)
    }

    /// Writes JSON Lines to `path`, atomically.
    @inlinable public static func jsonLines<Input: Encodable & Sendable>(_ path: String) -> JSONLinesSink<Input> {
        JSONLinesSink(path: path)
    }

    /// Writes JSON Lines of `type` to `path`, atomically. Use this form where the input type
    /// cannot be inferred, as in a pipeline body.
    @inlinable public static func jsonLines<Input: Encodable & Sendable>(_ path: String, of type: Input.Type) -> JSONLinesSink<Input> {
        JSONLinesSink(path: path)
    }

    /// Writes CSV of `type` with a header to `path`, atomically.
    public static func csv<Input: Encodable & Sendable>(_ path: String, of type: Input.Type, options: CSVOptions = CSVOptions()) -> CSVSink<Input> {
        CSVSink(path: path, options: options)
    }

    /// Writes CSV with a header to `path`, atomically.
    public static func csv<Input: Encodable & Sendable>(_ path: String, options: CSVOptions = CSVOptions()) -> CSVSink<Input> {
        CSVSink(path: path, options: options)
    }

    /// Writes JSON Lines into partition folders under `directory`, named by `partition`
    /// (such as `"dt=2026-11-21"`); see ``PartitionedJSONLinesSink``.
    public static func partitionedJSONLines<Input: Encodable & Sendable>(
        _ directory: String, of type: Input.Type, partition: @escaping @Sendable (Input) -> String
    ) -> PartitionedJSONLinesSink<Input> {
        PartitionedJSONLinesSink(directory: directory, partition: partition)
    }

    /// Lands payloads as they came, by source and ingestion date, with lineage; see
    /// ``LandingZoneSink``.
    public static func landingZone(_ directory: String, source: String) -> LandingZoneSink {
        LandingZoneSink(directory: directory, source: source)
    }

    /// Writes to standard output: strings as lines, other values as JSON Lines.
    public static func standardOutput<Input: Encodable & Sendable>() -> StandardOutputSink<Input> {
        StandardOutputSink()
    }

    /// Writes values of `type` to standard output: strings as lines, others as JSON Lines.
    public static func standardOutput<Input: Encodable & Sendable>(of type: Input.Type) -> StandardOutputSink<Input> {
        StandardOutputSink()
    }
}

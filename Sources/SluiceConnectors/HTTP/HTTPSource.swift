import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SluiceCore

/// Reads records from a JSON REST API, page by page, on Foundation's URLSession: the
/// records array is found by a path in each response; pagination follows page numbers,
/// offsets, cursors or `Link` headers; requests are rate-limited and retried with backoff;
/// with an incremental cursor, a resumed run fetches only what is new.
///
/// ```swift
/// Source.http("https://api.example.com/v1/artists", as: Artist.self, records: "data.items",
///             pagination: .cursor(path: "meta.next"), options: HTTPRequestOptions(bearerTokenEnvironment: "API_TOKEN"),
///             rateLimit: RateLimit(perSecond: 5, burst: 2), incremental: IncrementalCursor(field: "updated_at", parameter: "since"))
/// ```
///
/// Every error names the URL and the status. The source's position (the next request and the
/// incremental cursor) is kept in checkpoints.
public struct HTTPSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let url: String
    let recordsPath: String
    let pagination: Pagination
    let options: HTTPRequestOptions
    let rateLimit: RateLimit?
    let retry: RetryPolicy
    let incremental: IncrementalCursor?
    /// When set, each response is emitted whole, as a ``LandedPayload``, instead of its records.
    let wholePages: (@Sendable (LandedPayload) -> Output)?

    init(url: String, recordsPath: String, pagination: Pagination, options: HTTPRequestOptions, rateLimit: RateLimit?,
         retry: RetryPolicy, incremental: IncrementalCursor?, wholePages: (@Sendable (LandedPayload) -> Output)? = nil) {
        self.wholePages = wholePages
        self.url = url
        self.recordsPath = recordsPath
        self.pagination = pagination
        self.options = options
        self.rateLimit = rateLimit
        self.retry = retry
        self.incremental = incremental
    }

    /// `http`.
    public var defaultName: String { "http" }
    /// The URL (without query secrets: tokens travel in headers).
    public var detail: String { url }

    /// Checks the URL and the token's environment variable.
    public func makeReader(_ context: StageContext) throws -> Reader {
        guard let base = URLComponents(string: url), base.scheme == "http" || base.scheme == "https" else {
            throw RecordError("'\(url)' is not an http or https URL")
        }
        var token: String?
        if let variable = options.bearerTokenEnvironment {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw RecordError("the environment variable \(variable) that holds the API token for \(url) is not set")
            }
            token = value
        }
        return Reader(stage: self, base: base, token: token, clock: context.clock)
    }

    /// The running form of ``HTTPSource``.
    public struct Reader: SourceReader {
        let stage: HTTPSource
        let base: URLComponents
        let token: String?
        let clock: any ProcessingClock
        let session: URLSession
        var next: NextRequest?
        /// The newest value of the incremental field seen so far: the next run's lower bound.
        var newest: Value?
        /// This run's lower bound, fixed for the whole run: moving it while paginating would
        /// drop records on later pages that are older than ones already seen.
        var since: Value?
        var random = SplitMix64(seed: 0x5EED)
        var tokens: Double
        var tokensAt: Timestamp

        init(stage: HTTPSource, base: URLComponents, token: String?, clock: any ProcessingClock) {
            self.stage = stage
            self.base = base
            self.token = token
            self.clock = clock
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = Double(stage.options.timeout.components.seconds)
            configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
            session = URLSession(configuration: configuration)
            switch stage.pagination {
            case .none, .linkHeader, .cursor: next = NextRequest(url: base.string!, page: nil, offset: nil, cursor: nil)
            case .pageNumber(_, let start): next = NextRequest(url: base.string!, page: start, offset: nil, cursor: nil)
            case .offset: next = NextRequest(url: base.string!, page: nil, offset: 0, cursor: nil)
            }
            tokens = Double(stage.rateLimit?.burst ?? 1)
            tokensAt = clock.now
        }

        /// The URL of the next request, with its paging and incremental parameters.
        func requestURL(_ request: NextRequest) -> URL? {
            guard var components = URLComponents(string: request.url) else { return nil }
            var items = components.queryItems ?? []
            func set(_ name: String, _ value: String) {
                items.removeAll { $0.name == name }
                items.append(URLQueryItem(name: name, value: value))
            }
            switch stage.pagination {
            case .pageNumber(let parameter, _): if let page = request.page { set(parameter, String(page)) }
            case .offset(let offsetParameter, let limitParameter, let limit):
                set(offsetParameter, String(request.offset ?? 0))
                set(limitParameter, String(limit))
            case .cursor(_, let parameter): if let cursor = request.cursor { set(parameter, cursor) }
            case .none, .linkHeader: break
            }
            if let incremental = stage.incremental, let since = since?.text { set(incremental.parameter, since) }
            components.queryItems = items.isEmpty ? nil : items
            return components.url
        }

        /// Waits for a token of the rate limit.
        mutating func throttle() async throws {
            guard let limit = stage.rateLimit else { return }
            while true {
                let now = clock.now
                let elapsed = Double(now.millisecondsSinceEpoch - tokensAt.millisecondsSinceEpoch) / 1_000
                tokens = min(Double(limit.burst), tokens + elapsed * limit.perSecond)
                tokensAt = now
                if tokens >= 1 {
                    tokens -= 1
                    return
                }
                let wait = (1 - tokens) / limit.perSecond
                try await clock.sleep(until: now.advanced(by: .milliseconds(Int64((wait * 1_000).rounded(.up)))))
            }
        }

        /// One request with retries; returns the body and the response.
        mutating func fetch(_ url: URL) async throws -> (Data, HTTPURLResponse) {
            var request = URLRequest(url: url)
            request.httpMethod = stage.options.method
            request.httpBody = stage.options.body
            for (name, value) in stage.options.headers { request.setValue(value, forHTTPHeaderField: name) }
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            var attempt = 0
            while true {
                attempt += 1
                try Task.checkCancellation()
                try await throttle()
                var failure = ""
                var wait: Duration?
                do {
                    let (data, response) = try await session.data(for: request)
                    guard let http = response as? HTTPURLResponse else { throw RecordError("\(url): not an HTTP response") }
                    if (200..<300).contains(http.statusCode) { return (data, http) }
                    let snippet = String(decoding: data.prefix(200), as: UTF8.self)
                    failure = "\(url): HTTP \(http.statusCode)" + (snippet.isEmpty ? "" : " — \(snippet)")
                    if http.statusCode == 429 {
                        if let retryAfter = http.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init) {
                            wait = .milliseconds(Int64(retryAfter * 1_000))
                        }
                    } else if !(500..<600).contains(http.statusCode) {
                        throw RecordError(failure)
                    }
                } catch let error as RecordError {
                    throw error
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    failure = "\(url): \(error.localizedDescription)"
                }
                guard attempt < stage.retry.maxAttempts else {
                    throw RecordError("\(failure) (gave up after \(attempt) attempts)")
                }
                let pause = wait ?? stage.retry.backoff(afterAttempt: attempt, random: &random)
                try await clock.sleep(until: clock.now.advanced(by: pause))
            }
        }

        /// Fetches the next page and emits its records.
        public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            guard let request = next, let url = requestURL(request) else { return false }
            let (data, response) = try await fetch(url)
            let body: Value
            do {
                body = try JSONRecordDecoder().decode(Value.self, from: String(decoding: data, as: UTF8.self))
            } catch {
                throw RecordError("\(url): the response is not JSON (\(error))")
            }
            let records: [Value]
            switch body.value(atPath: stage.recordsPath) {
            case .array(let values)?: records = values
            case .null?, nil: records = []
            default: throw RecordError("\(url): '\(stage.recordsPath)' in the response is not a list of records")
            }
            if let wholePages = stage.wholePages {
                let position = request.page.map { "page \($0)" } ?? request.offset.map { "offset \($0)" } ?? request.cursor.map { "cursor \($0)" }
                output.emit(wholePages(LandedPayload(origin: url.absoluteString, offset: position,
                                                     ingestedAt: clock.now.millisecondsSinceEpoch,
                                                     payload: String(decoding: data, as: UTF8.self))),
                            from: SourceLocation(origin: url.absoluteString))
                for value in records { if case .record(let record) = value { noteNewest(record) } }
            } else {
                for (index, value) in records.enumerated() {
                    do {
                        guard case .record(let record) = value else { throw RecordError("record \(index) is not an object") }
                        output.emit(try record.decode(as: Output.self), from: SourceLocation(origin: url.absoluteString, line: index + 1))
                        noteNewest(record)
                    } catch {
                        try output.reject(error, rawInput: value.description, location: SourceLocation(origin: url.absoluteString, line: index + 1))
                    }
                }
            }
            next = advance(request, records: records.count, body: body, response: response)
            return next != nil
        }

        /// Keeps the newest value of the incremental field.
        mutating func noteNewest(_ record: Record) {
            guard let incremental = stage.incremental, let seen = record[incremental.field], !seen.isNull else { return }
            if newest.map({ Self.less($0, seen) }) ?? true { newest = seen }
        }

        func advance(_ request: NextRequest, records: Int, body: Value, response: HTTPURLResponse) -> NextRequest? {
            switch stage.pagination {
            case .none:
                return nil
            case .pageNumber:
                return records == 0 ? nil : NextRequest(url: request.url, page: (request.page ?? 0) + 1, offset: nil, cursor: nil)
            case .offset(_, _, let limit):
                return records < limit ? nil : NextRequest(url: request.url, page: nil, offset: (request.offset ?? 0) + records, cursor: nil)
            case .cursor(let path, _):
                guard let cursor = body.value(atPath: path)?.text, !cursor.isEmpty else { return nil }
                return NextRequest(url: request.url, page: nil, offset: nil, cursor: cursor)
            case .linkHeader:
                guard let link = response.value(forHTTPHeaderField: "Link"), let nextURL = Self.nextLink(link) else { return nil }
                return NextRequest(url: nextURL, page: nil, offset: nil, cursor: nil)
            }
        }

        /// The `rel="next"` URL of a `Link` header.
        static func nextLink(_ header: String) -> String? {
            for part in header.split(separator: ",") {
                let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard pieces.count >= 2, pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" })
                else { continue }
                return String(pieces[0].dropFirst().dropLast())
            }
            return nil
        }

        static func less(_ a: Value, _ b: Value) -> Bool {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x < y
            case (.double(let x), .double(let y)): return x < y
            default: return (a.text ?? "") < (b.text ?? "")
            }
        }
    }
}

/// The request an ``HTTPSource`` makes next: what its checkpoints keep.
public struct NextRequest: Codable, Sendable, Equatable {
    /// The URL (for `Link` pagination, the next link).
    public var url: String
    /// The page number, for page pagination.
    public var page: Int?
    /// The offset, for offset pagination.
    public var offset: Int?
    /// The cursor, for cursor pagination.
    public var cursor: String?
}

/// Where an HTTP source is: the next request, and the incremental cursor's values.
public struct HTTPSourcePosition: Codable, Sendable, Equatable {
    /// The next request; `nil` when every page was read.
    public var next: NextRequest?
    /// The newest value of the incremental field seen.
    public var newest: Value?
    /// The lower bound the interrupted run was asking with (absent in checkpoints of older
    /// versions, which then resume without one).
    public var since: Value?
}

extension HTTPSource.Reader: CheckpointableSourceReader {
    /// The next request and the incremental cursor.
    public func position() -> HTTPSourcePosition { HTTPSourcePosition(next: next, newest: newest, since: since) }

    /// Continues with the saved request and the same lower bound. A run that had read every
    /// page starts again from the first page, asking only for records newer than the newest
    /// it saw.
    public mutating func restore(to position: HTTPSourcePosition) {
        newest = position.newest
        if let saved = position.next {
            next = saved
            since = position.since
        } else {
            since = position.newest
        }
    }
}

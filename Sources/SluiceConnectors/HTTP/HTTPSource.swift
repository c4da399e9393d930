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
/// Every error names the URL and the status; secrets (the token, a URL's password, secret
/// headers and query values) are masked wherever text leaves the process, and the token is
/// not sent to another host after a redirect. The source's position (the next request,
/// relative to the configured URL, and the incremental cursor) is kept in checkpoints, so a
/// run resumes against the same API at another address.
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
    /// The URL, with its password and secret query values masked.
    public var detail: String { SecretRedactor(secrets: [], url: url).display(url) }

    /// Checks the URL and the token's environment variable.
    public func makeReader(_ context: StageContext) throws -> Reader {
        let urlOnly = SecretRedactor(secrets: [], url: url)
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https", base.host != nil else {
            throw RecordError("'\(urlOnly.display(url))' is not an http or https URL")
        }
        var token: String?
        if let variable = options.bearerTokenEnvironment {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw RecordError("the environment variable \(variable) that holds the API token for \(urlOnly.display(url)) is not set")
            }
            token = value
        }
        let secrets = [token].compactMap { $0 } + options.headers.filter { SecretRedactor.isSecretHeader($0.key) }.map(\.value)
        return Reader(stage: self, base: base, token: token, redactor: SecretRedactor(secrets: secrets, url: url),
                      clock: context.clock)
    }

    /// The running form of ``HTTPSource``.
    public struct Reader: SourceReader {
        let stage: HTTPSource
        let base: URL
        let token: String?
        let redactor: SecretRedactor
        let clock: any ProcessingClock
        let transport = HTTPTransport()
        var next: NextRequest?
        /// Every URL requested in this run: an API that hands out the same cursor or link
        /// again would otherwise be paged through forever, duplicating records.
        var requested: Set<String> = []
        /// The newest value of the incremental field seen so far: the next run's lower bound.
        var newest: Value?
        /// This run's lower bound, fixed for the whole run: moving it while paginating would
        /// drop records on later pages that are older than ones already seen.
        var since: Value?
        var random = SplitMix64(seed: 0x5EED)
        var tokens: Double
        var tokensAt: Timestamp

        init(stage: HTTPSource, base: URL, token: String?, redactor: SecretRedactor, clock: any ProcessingClock) {
            self.stage = stage
            self.base = base
            self.token = token
            self.redactor = redactor
            self.clock = clock
            switch stage.pagination {
            case .none, .linkHeader, .cursor: next = NextRequest(url: "", page: nil, offset: nil, cursor: nil)
            case .pageNumber(_, let start): next = NextRequest(url: "", page: start, offset: nil, cursor: nil)
            case .offset: next = NextRequest(url: "", page: nil, offset: 0, cursor: nil)
            }
            tokens = Double(stage.rateLimit?.burst ?? 1)
            tokensAt = clock.now
        }

        /// Ends the connection pool.
        public mutating func close() async { transport.invalidate() }

        /// `url` as the position keeps it: relative to the configured URL when it is on the
        /// same origin (a resumed run may reach the API at another address), absolute otherwise.
        func reference(to url: URL) -> String {
            guard Self.origin(of: url) == Self.origin(of: base),
                  let components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url.absoluteString }
            // Percent-encoded as it came: a decoded path would not parse again.
            let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
            return components.percentEncodedPath + query
        }

        /// Scheme, host and port: what a credential is bound to.
        static func origin(of url: URL) -> String {
            let scheme = url.scheme?.lowercased() ?? ""
            let port = url.port ?? (scheme == "https" ? 443 : 80)
            return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
        }

        /// The absolute URL of a kept reference.
        func resolve(_ reference: String) -> URL? {
            reference.isEmpty ? base : URL(string: reference, relativeTo: base)?.absoluteURL
        }

        /// The URL of the next request, with its paging and incremental parameters.
        func requestURL(_ request: NextRequest) -> URL? {
            guard let resolved = resolve(request.url),
                  var components = URLComponents(url: resolved, resolvingAgainstBaseURL: true) else { return nil }
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

        /// A request for `url` with the configured method, body and headers; the token and
        /// secret headers only when `url` is on the configured URL's origin.
        func makeRequest(_ url: URL, method: String, body: Data?) -> URLRequest {
            var request = URLRequest(url: url)
            request.httpMethod = method
            request.httpBody = body
            let sameOrigin = Self.origin(of: url) == Self.origin(of: base)
            for (name, value) in stage.options.headers where sameOrigin || !SecretRedactor.isSecretHeader(name) {
                request.setValue(value, forHTTPHeaderField: name)
            }
            if let token, sameOrigin { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            return request
        }

        /// The most redirects one request follows.
        static var maximumRedirects: Int { 10 }

        /// One exchange, following redirects itself: credentials go only to the configured
        /// origin, as browsers and curl do.
        func exchange(_ url: URL) async throws -> (Data, HTTPURLResponse, URL) {
            var current = url
            var method = stage.options.method
            var body = stage.options.body
            for _ in 0...Self.maximumRedirects {
                let (data, response) = try await transport.exchange(makeRequest(current, method: method, body: body),
                                                                   timeout: stage.options.timeout)
                guard [301, 302, 303, 307, 308].contains(response.statusCode) else { return (data, response, current) }
                guard let location = response.value(forHTTPHeaderField: "Location"),
                      let target = URL(string: location, relativeTo: current)?.absoluteURL,
                      target.scheme == "http" || target.scheme == "https" else {
                    throw RecordError("\(redactor.display(current)): HTTP \(response.statusCode) without a usable Location")
                }
                if response.statusCode == 303 || (response.statusCode != 307 && response.statusCode != 308 && method == "POST") {
                    method = "GET"
                    body = nil
                }
                current = target
            }
            throw RecordError("\(redactor.display(url)): more than \(Self.maximumRedirects) redirects")
        }

        /// One request with retries; returns the body and the response.
        mutating func fetch(_ url: URL) async throws -> (Data, HTTPURLResponse) {
            let shown = redactor.display(url)
            var attempt = 0
            while true {
                attempt += 1
                try Task.checkCancellation()
                try await throttle()
                var failure = ""
                var wait: Duration?
                do {
                    let (data, http, answered) = try await exchange(url)
                    if (200..<300).contains(http.statusCode) { return (data, http) }
                    let snippet = String(decoding: data.prefix(200), as: UTF8.self)
                    let at = answered == url ? shown : "\(shown) (redirected to \(redactor.display(answered)))"
                    failure = "\(at): HTTP \(http.statusCode)" + (snippet.isEmpty ? "" : " — \(snippet)")
                    if http.statusCode == 429 || http.statusCode == 503,
                       let asked = RetryPolicy.retryAfter(http.value(forHTTPHeaderField: "Retry-After")) {
                        if asked > stage.retry.maxBackoff {
                            guard stage.retry.longRetryAfter == .capAtMaximum else {
                                throw RecordError(redactor.redact("\(failure); the server asks to wait \(asked), more than the retry policy's maximum of \(stage.retry.maxBackoff)"))
                            }
                            wait = stage.retry.maxBackoff
                        } else {
                            wait = asked
                        }
                    }
                    if http.statusCode != 429, !(500..<600).contains(http.statusCode) {
                        throw RecordError(redactor.redact(failure))
                    }
                } catch let error as RecordError {
                    throw error
                } catch is CancellationError {
                    throw CancellationError()
                } catch HTTPTransport.Failure.timedOut(let limit) {
                    failure = "\(shown): no complete answer within \(limit)"
                } catch HTTPTransport.Failure.transport(let reason) {
                    failure = "\(shown): \(reason)"
                } catch {
                    failure = "\(shown): \(error.localizedDescription)"
                }
                guard attempt < stage.retry.maxAttempts else {
                    throw RecordError(redactor.redact("\(failure) (gave up after \(attempt) attempts)"))
                }
                let pause = wait ?? stage.retry.backoff(afterAttempt: attempt, random: &random)
                try await clock.sleep(until: clock.now.advanced(by: pause))
            }
        }

        /// Fetches the next page and emits its records.
        public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            guard let request = next else { return false }
            guard let url = requestURL(request) else {
                throw RecordError("\(redactor.display(request.url.isEmpty ? base.absoluteString : request.url)): cannot make a URL of the next request (page \(request.page.map(String.init) ?? "-"), cursor \(request.cursor ?? "-"))")
            }
            let shown = redactor.display(url)
            guard requested.insert(url.absoluteString).inserted else {
                throw RecordError("\(shown): pagination loop: this request was already made in this run (the API handed out the same cursor or next link again)")
            }
            let (data, response) = try await fetch(url)
            let body: Value
            do {
                body = try data.withUnsafeBytes { try JSONRecordDecoder().decode(Value.self, from: $0) }
            } catch {
                throw RecordError(redactor.redact("\(shown): the response is not JSON (\(error))"))
            }
            let records: [Value]
            switch body.value(atPath: stage.recordsPath) {
            case .array(let values)?: records = values.values
            case .null?, nil: records = []
            default: throw RecordError("\(shown): '\(stage.recordsPath)' in the response is not a list of records")
            }
            if let wholePages = stage.wholePages {
                let position = request.page.map { "page \($0)" } ?? request.offset.map { "offset \($0)" } ?? request.cursor.map { "cursor \($0)" }
                output.emit(wholePages(LandedPayload(origin: shown, offset: position,
                                                     ingestedAt: clock.now.millisecondsSinceEpoch,
                                                     payload: String(decoding: data, as: UTF8.self))),
                            from: SourceLocation(origin: shown))
                for value in records { if case .record(let record) = value { noteNewest(record) } }
            } else {
                for (index, value) in records.enumerated() {
                    do {
                        guard case .record(let record) = value else { throw RecordError("record \(index) is not an object") }
                        output.emit(try record.decode(as: Output.self), from: SourceLocation(origin: shown, line: index + 1))
                        noteNewest(record)
                    } catch {
                        try output.reject(error, rawInput: redactor.redact(value.description), location: SourceLocation(origin: shown, line: index + 1))
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
                guard let link = response.value(forHTTPHeaderField: "Link"), let nextLink = Self.nextLink(link),
                      let current = resolve(request.url), let nextURL = URL(string: nextLink, relativeTo: current)?.absoluteURL
                else { return nil }
                return NextRequest(url: reference(to: nextURL), page: nil, offset: nil, cursor: nil)
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
    /// The URL relative to the source's configured URL (`""` for that URL itself; for `Link`
    /// pagination, the next link's path and query), or absolute when it is on another host.
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

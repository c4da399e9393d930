import Foundation
import SluiceCore

/// How an ``HTTPSource`` walks through the pages of an API.
public enum Pagination: Sendable, Equatable {
    /// One request.
    case none
    /// `?page=1`, `?page=2`, … until a page has no records.
    case pageNumber(parameter: String = "page", start: Int = 1)
    /// `?offset=0&limit=100`, `?offset=100&limit=100`, … until a page has fewer than `limit`.
    case offset(offsetParameter: String = "offset", limitParameter: String = "limit", limit: Int = 100)
    /// The next request sets `parameter` to the value at `path` in the response body
    /// (`"next_cursor"`, `"meta.next"`); it ends when that value is missing or null.
    case cursor(path: String, parameter: String = "cursor")
    /// The next URL is the `Link` header's `rel="next"` (GitHub style).
    case linkHeader
}

/// At most `perSecond` requests a second, in bursts of up to `burst` (a token bucket).
public struct RateLimit: Sendable, Equatable {
    /// Requests a second on average.
    public var perSecond: Double
    /// Requests allowed at once.
    public var burst: Int
    /// A limit.
    public init(perSecond: Double, burst: Int = 1) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
    }
}

/// Retries of failed requests: on network errors and 5xx answers (and 429, which waits for
/// its `Retry-After`), with exponential backoff and jitter.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The wait before the first retry; doubled each time.
    public var initialBackoff: Duration
    /// The longest wait, also for a server's `Retry-After`.
    public var maxBackoff: Duration
    /// What to do when a server asks (with `Retry-After`) for a longer wait than
    /// ``maxBackoff``: fail with a clear error (the default), or wait ``maxBackoff`` and retry.
    public var longRetryAfter: LongRetryAfter = .fail
    /// A policy.
    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(30),
                longRetryAfter: LongRetryAfter = .fail) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.longRetryAfter = longRetryAfter
    }

    /// What a ``RetryPolicy`` does with a `Retry-After` longer than its maximum wait.
    public struct LongRetryAfter: Sendable, Equatable {
        enum Kind: Equatable { case fail, capAtMaximum }
        let kind: Kind
        /// Give up with an error that names the URL and the wait asked for.
        public static let fail = LongRetryAfter(kind: .fail)
        /// Wait the policy's maximum instead, and retry.
        public static let capAtMaximum = LongRetryAfter(kind: .capAtMaximum)
    }

    /// The wait a `Retry-After` header asks for: whole seconds (RFC 9110 delay-seconds) or an
    /// HTTP date. `nil` for anything else (`inf`, `1e300`, `-5`, text): such a header is
    /// ignored and the backoff used, never trusted and never a crash.
    static func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if header.utf8.allSatisfy({ $0 &- 48 < 10 }) {
            // More digits than fit are simply "very long": a day is 5 digits.
            guard header.utf8.count <= 12, let seconds = Int64(header) else { return .seconds(Int64(999_999_999_999)) }
            return .seconds(seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        let seconds = date.timeIntervalSince(now)
        guard seconds.isFinite else { return nil }
        return .milliseconds(Int64(max(0, min(seconds, 999_999_999)) * 1_000))
    }

    /// The wait before attempt `attempt + 1` (full jitter: a random share of the backoff).
    func backoff(afterAttempt attempt: Int, random: inout SplitMix64) -> Duration {
        let grown = initialBackoff * Int(min(1 << min(attempt - 1, 20), 1 << 20))
        let capped = min(grown, maxBackoff)
        let share = Double(random.next() % 1_000) / 1_000
        return capped * max(0.1, share)
    }
}

/// Incremental loading: only records newer than the last run's newest are fetched. The
/// newest value of `field` seen is kept in the checkpoint and sent as `parameter`.
public struct IncrementalCursor: Sendable, Equatable {
    /// The record field that grows (an `updated_at` timestamp, an increasing id).
    public var field: String
    /// The query parameter the API filters by.
    public var parameter: String
    /// A cursor.
    public init(field: String, parameter: String) {
        self.field = field
        self.parameter = parameter
    }
}

/// Everything about an API request but its URL.
public struct HTTPRequestOptions: Sendable {
    /// `GET` or `POST`.
    public var method: String = "GET"
    /// Headers sent with every request.
    public var headers: [String: String] = [:]
    /// The name of an environment variable holding a bearer token, sent as `Authorization:
    /// Bearer …` and never shown in errors or logs, nor sent to another host after a redirect.
    public var bearerTokenEnvironment: String?
    /// A body for `POST`.
    public var body: Data?
    /// How long one request may take, all of it: connecting, waiting and reading the whole
    /// body. A server that trickles its answer is cut off at this limit.
    public var timeout: Duration = .seconds(30)
    /// Default options.
    public init(method: String = "GET", headers: [String: String] = [:], bearerTokenEnvironment: String? = nil,
                body: Data? = nil, timeout: Duration = .seconds(30)) {
        self.method = method
        self.headers = headers
        self.bearerTokenEnvironment = bearerTokenEnvironment
        self.body = body
        self.timeout = timeout
    }
}

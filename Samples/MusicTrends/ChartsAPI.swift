// The charts API the sample ingests from: the bundled pages, served on 127.0.0.1 by the
// loopback server from SluiceTesting, behaving like a real API — a bearer token, its own rate
// limit, cursor pagination, `since` for incremental loads, and a few failures on the way.
import Foundation
import Sluice
import SluiceTesting
import Synchronization

/// Serves `Data/api/top-artists-NN.json` at `/v1/charts/top-artists`.
final class ChartsAPI: Sendable {
    /// What the API saw and answered.
    struct Statistics: Sendable, CustomStringConvertible {
        var requests = 0, pages = 0, tooManyRequests = 0, serverErrors = 0, dropped = 0, unauthorised = 0
        var description: String {
            "\(requests) requests: \(pages) pages served, \(tooManyRequests)× 429, \(serverErrors)× 503, \(dropped) dropped, \(unauthorised)× 401"
        }
    }

    /// What the handler keeps between requests.
    final class State: Sendable {
        struct Values {
            var statistics = Statistics()
            var tokens = 4.0
            var at = ContinuousClock.now
            var failed = Set<String>()
        }
        let values = Mutex(Values())
    }

    let server: LoopbackHTTPServer
    private let state = State()

    /// Starts serving the pages in `directory`, answering only requests with `token`; at most
    /// `perSecond` requests a second (burst 4), above that a 429 with `Retry-After: 1`.
    init(pages directory: String, token: String, perSecond: Double) throws {
        guard let listed = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw RecordError("cannot list the API pages in \(directory)")
        }
        let files = listed.filter { $0.hasPrefix("top-artists-") }.sorted()
        guard !files.isEmpty else { throw RecordError("no pages in \(directory)") }
        let pages = try files.map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
        let entries = try zip(files, pages).flatMap { file, page -> [Record] in
            let body: Record
            do { body = try JSONRecordDecoder().decode(Record.self, from: page) } catch { throw RecordError("\(directory)/\(file): \(error)") }
            guard case .array(let values)? = body["data"] else { return [] }
            return values.compactMap { if case .record(let record) = $0 { record } else { nil } }
        }
        let state = self.state
        server = try LoopbackHTTPServer { request in
            ChartsAPI.answer(request, pages: pages, entries: entries, token: token, perSecond: perSecond, state: state)
        }
    }

    /// The endpoint.
    var url: String { server.url("/v1/charts/top-artists") }

    /// What was served so far.
    var statistics: Statistics { state.values.withLock { $0.statistics } }

    func stop() { server.stop() }

    private static func answer(_ request: LoopbackHTTPServer.Request, pages: [String], entries: [Record], token: String, perSecond: Double,
                               state: State) -> LoopbackHTTPServer.Behaviour {
        state.values.withLock { state -> LoopbackHTTPServer.Behaviour in
            state.statistics.requests += 1
            guard request.path == "/v1/charts/top-artists" else { return .respond(.json(#"{"error":"not found"}"#, status: 404)) }
            guard request.headers["authorization"] == "Bearer \(token)" else {
                state.statistics.unauthorised += 1
                return .respond(.json(#"{"error":"missing or wrong token"}"#, status: 401))
            }
            // The API's own token bucket.
            let now = ContinuousClock.now
            let elapsed = now - state.at
            state.tokens = min(4, state.tokens + perSecond * (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            state.at = now
            guard state.tokens >= 1 else {
                state.statistics.tooManyRequests += 1
                return .respond(.json(#"{"error":"slow down"}"#, status: 429, headers: ["Retry-After": "1"]))
            }
            state.tokens -= 1
            let cursor = request.query["cursor"] ?? "c-01"
            guard cursor.hasPrefix("c-"), let number = Int(cursor.dropFirst(2)), number >= 1 else {
                return .respond(.json(#"{"error":"unknown cursor"}"#, status: 400))
            }
            // The first try at some pages fails, as APIs do: a 503, a dropped connection, a 429.
            let attempt = "\(cursor)|\(request.query["since"] ?? "")"
            if !state.failed.contains(attempt) {
                switch number {
                case 5:
                    state.failed.insert(attempt)
                    state.statistics.serverErrors += 1
                    return .respond(.json(#"{"error":"upstream timeout"}"#, status: 503))
                case 9:
                    state.failed.insert(attempt)
                    state.statistics.dropped += 1
                    return .drop
                case 14:
                    state.failed.insert(attempt)
                    state.statistics.tooManyRequests += 1
                    return .respond(.json(#"{"error":"quota"}"#, status: 429, headers: ["Retry-After": "1"]))
                default: break
                }
            }
            state.statistics.pages += 1
            guard let since = request.query["since"] else {
                guard number <= pages.count else { return .respond(.json(#"{"error":"unknown cursor"}"#, status: 400)) }
                return .respond(.json(pages[number - 1]))
            }
            // Incremental: only charts published after `since`, paged the same way.
            let newer = entries.filter { ($0["updated_at"]?.text ?? "") > since }
            let page = Array(newer.dropFirst((number - 1) * 100).prefix(100))
            let next = number * 100 < newer.count ? "\"c-\(String(format: "%02d", number + 1))\"" : "null"
            let body = "{\"data\":[" + page.map { (try? JSONRecordEncoder().encode($0)) ?? "{}" }.joined(separator: ",") + "],\"meta\":{\"page\":\(number),\"next\":\(next)}}"
            return .respond(.json(body))
        }
    }
}

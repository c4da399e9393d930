import Foundation
import Synchronization
import Testing
@testable import SluiceConnectors
import Sluice
import SluiceTesting

/// The HTTP source against servers that misbehave: odd Retry-After values, echoed secrets,
/// redirects to other hosts, answers that trickle, pagination that loops.
@Suite(.serialized) struct HTTPHostileServerTests {
    @Test func retryAfterIsParsedDefensively() {
        #expect(RetryPolicy.retryAfter("120") == .seconds(120))
        #expect(RetryPolicy.retryAfter(" 0 ") == .seconds(0))
        for hostile in ["inf", "nan", "1e300", "-5", "1.5", "soon", "", "Infinity", "0x10"] {
            #expect(RetryPolicy.retryAfter(hostile) == nil, "\(hostile)")
        }
        #expect(RetryPolicy.retryAfter("99999999999999999999999") ?? .zero > .seconds(86_400))
        let now = Date(timeIntervalSince1970: 1_000_000_000)
        #expect(RetryPolicy.retryAfter("Sun, 09 Sep 2001 01:47:00 GMT", now: now) == .seconds(1_000_020 - 1_000_000))
    }

    @Test func aHostileRetryAfterNeitherCrashesNorIsTrusted() async throws {
        let calls = Atomic<Int>(0)
        let server = try LoopbackHTTPServer { _ in
            let call = calls.wrappingAdd(1, ordering: .relaxed).newValue
            let values = ["inf", "nan", "1e300"]
            return call <= values.count ? .respond(.status(429, headers: ["Retry-After": values[call - 1]]))
                                        : .respond(.json(#"[{"id":1,"name":"a"}]"#))
        }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(Source.http(server.url("/x"), as: Artist.self,
            retry: RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20))))
        #expect(result.elements.map(\.id) == [1])
        #expect(server.requests.count == 4)
    }

    @Test func aRetryAfterLongerThanThePolicyAllowsFailsOrIsCappedByPolicy() async throws {
        let calls = Atomic<Int>(0)
        let server = try LoopbackHTTPServer { _ in
            calls.wrappingAdd(1, ordering: .relaxed).newValue == 1
                ? .respond(.status(429, headers: ["Retry-After": "86400"])) : .respond(.json(#"[{"id":1,"name":"a"}]"#))
        }
        defer { server.stop() }
        let strict = RetryPolicy(maxAttempts: 3, maxBackoff: .milliseconds(50))
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/x"), as: Artist.self, retry: strict))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("HTTP 429"))
            #expect("\(error)".contains("the server asks to wait 86400.0 seconds, more than the retry policy's maximum of 0.05 seconds"))
        }
        calls.store(0, ordering: .relaxed)
        let capped = RetryPolicy(maxAttempts: 3, maxBackoff: .milliseconds(50), longRetryAfter: .capAtMaximum)
        let result = try await SourceHarness.readAll(Source.http(server.url("/x"), as: Artist.self, retry: capped))
        #expect(result.elements.count == 1)
    }

    @Test func secretsNeverAppearInErrorsNorGoToAnotherHostAfterARedirect() async throws {
        setenv("SLUICE_HOSTILE_TOKEN", "tok-9f8e7d6c5b", 1)
        defer { unsetenv("SLUICE_HOSTILE_TOKEN") }
        let elsewhere = try LoopbackHTTPServer { _ in .respond(.json(#"[{"id":2,"name":"b"}]"#)) }
        defer { elsewhere.stop() }
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/echo":
                return .respond(.json(#"{"error":"bad token","you_sent":"\#(request.headers["authorization"] ?? "")","key":"\#(request.headers["x-api-key"] ?? "")"}"#, status: 403))
            case "/away":
                return .respond(.status(302, headers: ["Location": elsewhere.url("/landing")]))
            default:
                return .respond(.status(302, headers: ["Location": "/echo-ok"]))
            }
        }
        defer { server.stop() }
        let options = HTTPRequestOptions(headers: ["X-Api-Key": "key-1234abcd"], bearerTokenEnvironment: "SLUICE_HOSTILE_TOKEN")
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/echo"), as: Artist.self, options: options))
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("HTTP 403"))
            #expect(!text.contains("tok-9f8e7d6c5b"), "\(text)")
            #expect(!text.contains("key-1234abcd"), "\(text)")
            #expect(text.contains("Bearer ***"))
        }
        // A redirect to another origin: followed, without the credentials.
        let result = try await SourceHarness.readAll(Source.http(server.url("/away"), as: Artist.self, options: options))
        #expect(result.elements.map(\.id) == [2])
        #expect(server.requests.last?.headers["authorization"] == "Bearer tok-9f8e7d6c5b")
        #expect(elsewhere.requests.count == 1)
        #expect(elsewhere.requests.first?.headers["authorization"] == nil)
        #expect(elsewhere.requests.first?.headers["x-api-key"] == nil)
        // A password in the URL is masked in errors and descriptions.
        let withPassword = "http://ann:pa55word@127.0.0.1:\(server.port)/echo?api_key=qwerty123&page=1"
        do {
            _ = try await SourceHarness.readAll(Source.http(withPassword, as: Artist.self, retry: RetryPolicy(maxAttempts: 1)))
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("pa55word"), "\(error)")
            #expect(!"\(error)".contains("qwerty123"), "\(error)")
            #expect("\(error)".contains("ann:***@127.0.0.1"))
        }
        #expect(!Source.http(withPassword, as: Artist.self).detail.contains("pa55word"))
    }

    @Test func theTimeoutLimitsTheWholeRequestNotJustSilence() async throws {
        let body = Array(#"[{"id":1,"name":"a"}]"#.utf8)
        let server = try LoopbackHTTPServer { _ in
            .trickle(.init(status: 200, headers: ["Content-Type": "application/json"], body: body), every: .milliseconds(300))
        }
        defer { server.stop() }
        let started = ContinuousClock.now
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/slow"), as: Artist.self,
                                                            options: HTTPRequestOptions(timeout: .seconds(1)),
                                                            retry: RetryPolicy(maxAttempts: 1)))
            Issue.record("expected a timeout")
        } catch {
            #expect("\(error)".contains("no complete answer within 1.0 seconds"), "\(error)")
        }
        // The body takes 6.9 s to arrive (23 bytes, one each 300 ms) and the limit is 1 s: the
        // request was cut before the body ended (the bound leaves room for a loaded machine).
        #expect(ContinuousClock.now - started < .seconds(6))
    }

    @Test func aPaginationLoopIsDetectedNotFollowedForever() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/cursor":
                return .respond(.json(#"{"items":[{"id":1,"name":"a"}],"next":"same"}"#))
            default:
                return .respond(.json(#"[{"id":1,"name":"a"}]"#, headers: ["Link": "<" + request.path + ">; rel=\"next\""]))
            }
        }
        defer { server.stop() }
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/cursor"), as: Artist.self, records: "items",
                                                            pagination: .cursor(path: "next")))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("pagination loop"))
        }
        #expect(server.requests.count == 2)
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/link"), as: Artist.self, pagination: .linkHeader))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("/link: pagination loop"))
        }
    }

    @Test func aSavedPositionDoesNotDependOnTheServersAddress() async throws {
        @Sendable func handler(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Behaviour {
            let page = Int(request.query["p"] ?? "1") ?? 1
            let link = page < 3 ? ["Link": "<http://127.0.0.1:\(request.headers["host"]?.split(separator: ":").last ?? "0")/link?p=\(page + 1)>; rel=\"next\""] : [:]
            return .respond(.json(json(artistPage(page)), headers: link))
        }
        let before = try LoopbackHTTPServer(handler: handler)
        let source = Source.http(before.url("/link?p=1"), as: Artist.self, records: "data.items", pagination: .linkHeader)
        let first = try await source.makeErasedSource(StageContext(stageName: "http"))
        _ = try await first.read(100)
        let saved = try first.position!()
        before.stop()
        #expect(!String(decoding: saved, as: UTF8.self).contains("\(before.port)"))
        // The API is back at another port: the run resumes there, at page 2.
        let after = try LoopbackHTTPServer(handler: handler)
        defer { after.stop() }
        let moved = Source.http(after.url("/link?p=1"), as: Artist.self, records: "data.items", pagination: .linkHeader)
        let second = try await moved.makeErasedSource(StageContext(stageName: "http"))
        try second.restore!(saved)
        while try await !second.read(100).finished {}
        #expect(after.requests.map { $0.query["p"] } == ["2", "3"])
    }

    /// The example of Documentation/Connectors/HTTP.md, as printed there.
    @Test func theDocumentedLoopbackServerExample() async throws {
        let calls = Mutex(0)
        let server = try LoopbackHTTPServer { request in
            switch calls.withLock({ $0 += 1; return $0 }) {
            case 1: return .respond(.status(500))
            case 2: return .drop                                                 // connection closed, no answer
            case 3: return .respond(.status(429, headers: ["Retry-After": "1"]))
            case 4: return .delay(.seconds(2), .status(503))                     // slow
            case 5: return .trickle(.init(status: 503, body: Array("busy".utf8)), every: .milliseconds(10)) // a byte at a time
            default: return .respond(.json(#"{"data":{"items":[{"id":1,"name":"a"}]}}"#))
            }
        }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(Source.http(server.url("/artists"), as: Artist.self, records: "data.items",
                                                                 retry: RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(5))))
        #expect(server.requests.count == 6)
        #expect(result.elements.count == 1)
    }

    @Test func aNextLinkWithAnEncodedPathIsFollowed() async throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/first" ? .respond(.json(#"[{"id":1,"name":"a"}]"#, headers: ["Link": "</a%20b/next?p=2>; rel=\"next\""]))
                                     : .respond(.json(#"[{"id":2,"name":"b"}]"#))
        }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(Source.http(server.url("/first"), as: Artist.self, pagination: .linkHeader))
        #expect(result.elements.map(\.id) == [1, 2])
        #expect(server.requests.last?.path == "/a b/next")
    }
}

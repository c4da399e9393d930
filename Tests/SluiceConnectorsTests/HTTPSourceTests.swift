import Foundation
import Synchronization
import Testing
import Sluice
import SluiceTesting

struct Artist: Codable, Sendable, Equatable {
    var id: Int
    var name: String
    var updated_at: String?
}

/// Pages of artists 1…7, three per page.
func artistPage(_ page: Int) -> [Artist] {
    let ids = Array(((page - 1) * 3 + 1)...(page * 3)).filter { $0 <= 7 }
    return ids.map { Artist(id: $0, name: "artist \($0)", updated_at: "2026-11-\(String(format: "%02d", 10 + $0))") }
}

func json(_ artists: [Artist], extra: String = "") -> String {
    let items = artists.map { try! JSONRecordEncoder().encode($0) }.joined(separator: ",")
    return #"{"data":{"items":[\#(items)]}\#(extra)}"#
}

@Suite(.serialized) struct HTTPSourceTests {
    @Test func pageNumbersUntilAnEmptyPage() async throws {
        let server = try LoopbackHTTPServer { request in
            .respond(.json(json(artistPage(Int(request.query["page"] ?? "1") ?? 1))))
        }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(
            Source.http(server.url("/artists?region=eu"), as: Artist.self, records: "data.items", pagination: .pageNumber()))
        #expect(result.elements.map(\.id) == Array(1...7))
        #expect(server.requests.map { $0.query["page"] } == ["1", "2", "3", "4"])
        #expect(server.requests.allSatisfy { $0.query["region"] == "eu" })
    }

    @Test func cursorsOffsetsAndLinkHeaders() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/cursor":
                let page = Int(request.query["cursor"] ?? "1") ?? 1
                return .respond(.json(json(artistPage(page), extra: page < 3 ? #","meta":{"next":"\#(page + 1)"}"# : #","meta":{"next":null}"#)))
            case "/offset":
                let offset = Int(request.query["offset"] ?? "0") ?? 0, limit = Int(request.query["limit"] ?? "0") ?? 0
                let artists = (1...7).map { Artist(id: $0, name: "artist \($0)") }.dropFirst(offset).prefix(limit)
                return .respond(.json(json(Array(artists))))
            default:
                let page = Int(request.query["p"] ?? "1") ?? 1
                let link = page < 3 ? ["Link": "<http://127.0.0.1:\(request.headers["host"]?.split(separator: ":").last ?? "0")/link?p=\(page + 1)>; rel=\"next\", <x>; rel=\"last\""] : [:]
                return .respond(.json(json(artistPage(page)), headers: link))
            }
        }
        defer { server.stop() }
        let byCursor = try await SourceHarness.readAll(Source.http(server.url("/cursor"), as: Artist.self, records: "data.items",
                                                                   pagination: .cursor(path: "meta.next")))
        #expect(byCursor.elements.map(\.id) == Array(1...7))
        let byOffset = try await SourceHarness.readAll(Source.http(server.url("/offset"), as: Artist.self, records: "data.items",
                                                                   pagination: .offset(limit: 3)))
        #expect(byOffset.elements.map(\.id) == Array(1...7))
        let byLink = try await SourceHarness.readAll(Source.http(server.url("/link?p=1"), as: Artist.self, records: "data.items",
                                                                 pagination: .linkHeader))
        #expect(byLink.elements.map(\.id) == Array(1...7))
    }

    @Test func retriesServerErrorsDroppedConnectionsAndTooManyRequests() async throws {
        let calls = Mutex(0)
        let server = try LoopbackHTTPServer { _ in
            let call = calls.withLock { $0 += 1; return $0 }
            switch call {
            case 1: return .respond(.status(500))
            case 2: return .drop
            case 3: return .respond(.status(429, headers: ["Retry-After": "0"]))
            case 4: return .respond(.status(503))
            default: return .respond(.json(json(artistPage(1))))
            }
        }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(Source.http(server.url("/flaky"), as: Artist.self, records: "data.items",
                                                                 retry: RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(5))))
        #expect(result.elements.count == 3)
        #expect(calls.withLock { $0 } == 5)
    }

    @Test func errorsNameTheURLAndStatusAndGiveUpAfterTheAttempts() async throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/missing" ? .respond(.json(#"{"error":"no such thing"}"#, status: 404)) : .respond(.status(500))
        }
        defer { server.stop() }
        await #expect(throws: RecordError.self) {
            _ = try await SourceHarness.readAll(Source.http(server.url("/missing"), as: Artist.self))
        }
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/missing"), as: Artist.self))
        } catch {
            #expect("\(error)".contains("\(server.url("/missing")): HTTP 404 — {\"error\":\"no such thing\"}"))
        }
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/down"), as: Artist.self,
                                                            retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(1))))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("HTTP 500 (gave up after 3 attempts)"))
        }
    }

    @Test func theBearerTokenComesFromTheEnvironmentAndIsNeverShown() async throws {
        setenv("SLUICE_TEST_TOKEN", "s3cret-token", 1)
        defer { unsetenv("SLUICE_TEST_TOKEN") }
        let server = try LoopbackHTTPServer { request in
            request.headers["authorization"] == "Bearer s3cret-token" ? .respond(.json(json(artistPage(1)))) : .respond(.status(401))
        }
        defer { server.stop() }
        let options = HTTPRequestOptions(headers: ["X-Client": "sluice"], bearerTokenEnvironment: "SLUICE_TEST_TOKEN")
        let result = try await SourceHarness.readAll(Source.http(server.url("/private"), as: Artist.self, records: "data.items", options: options))
        #expect(result.elements.count == 3)
        #expect(server.requests.first?.headers["x-client"] == "sluice")
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/private"), as: Artist.self,
                                                            options: HTTPRequestOptions(bearerTokenEnvironment: "SLUICE_NO_SUCH_TOKEN")))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "the environment variable SLUICE_NO_SUCH_TOKEN that holds the API token for \(server.url("/private")) is not set")
        }
        setenv("SLUICE_TEST_TOKEN", "wrong", 1)
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/private"), as: Artist.self, options: options))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("HTTP 401"))
            #expect(!"\(error)".contains("wrong"))
        }
    }

    @Test func badRecordsAreDeadLettersNamingTheURLAndPosition() async throws {
        let server = try LoopbackHTTPServer { _ in .respond(.json(#"[{"id":1,"name":"a"},{"id":"two"},3]"#)) }
        defer { server.stop() }
        let result = try await SourceHarness.readAll(Source.http(server.url("/mixed"), as: Artist.self).onError(.deadLetter))
        #expect(result.elements.map(\.id) == [1])
        #expect(result.deadLetters.map(\.location?.line) == [2, 3])
        #expect(result.deadLetters.allSatisfy { $0.location?.origin == server.url("/mixed") })
    }

    @Test func resumesMidPaginationAndLoadsIncrementally() async throws {
        let server = try LoopbackHTTPServer { request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            let since = request.query["since"] ?? ""
            return .respond(.json(json(artistPage(page).filter { ($0.updated_at ?? "") > since })))
        }
        defer { server.stop() }
        let source = Source.http(server.url("/artists"), as: Artist.self, records: "data.items", pagination: .pageNumber(),
                                 incremental: IncrementalCursor(field: "updated_at", parameter: "since"))
        #expect(try await SourceHarness.resumptionDifference(source, chunkSize: 1) == nil)
        // A finished run's position keeps the newest value: the next run asks only for newer records.
        let context = StageContext(stageName: "http")
        let first = try await source.makeErasedSource(context)
        while try await !first.read(100).finished {}
        let saved = try first.position!()
        #expect(String(decoding: saved, as: UTF8.self).contains("2026-11-17"))
        let second = try await source.makeErasedSource(context)
        try second.restore!(saved)
        let (outcome, _) = try await second.read(100)
        #expect(outcome.output == nil)
        #expect(server.requests.last?.query["since"] == "2026-11-17")
    }

    @Test func theLowerBoundStaysFixedWhilePaginatingSoNoOlderRecordIsSkipped() async throws {
        // Sorted by id, not by update time: page 2 holds records older than page 1's newest.
        let pages = [1: #"[{"id":1,"name":"a","updated_at":"2026-11-20"},{"id":2,"name":"b","updated_at":"2026-11-01"}]"#,
                     2: #"[{"id":3,"name":"c","updated_at":"2026-11-05"},{"id":4,"name":"d","updated_at":"2026-11-22"}]"#]
        let server = try LoopbackHTTPServer { request in
            let page = Int(request.query["page"] ?? "1") ?? 1
            let since = request.query["since"] ?? ""
            let records = (try? JSONRecordDecoder().decode([Artist].self, from: pages[page] ?? "[]")) ?? []
            let newer = records.filter { ($0.updated_at ?? "") > since }
            return .respond(.json("[" + newer.map { #"{"id":\#($0.id),"name":"\#($0.name)","updated_at":"\#($0.updated_at!)"}"# }.joined(separator: ",") + "]"))
        }
        defer { server.stop() }
        let source = Source.http(server.url("/artists"), as: Artist.self, pagination: .pageNumber(),
                                 incremental: IncrementalCursor(field: "updated_at", parameter: "since"))
        let context = StageContext(stageName: "http", chunkSize: 1)
        let first = try await source.makeErasedSource(context)
        var ids: [Int] = []
        var finished = false
        var midway: [UInt8]?
        while !finished {
            let (outcome, done) = try await first.read(1)
            finished = done
            ids += outcome.output?.elements(as: Artist.self).map(\.id) ?? []
            if ids.count == 2, midway == nil { midway = try first.position!() }
        }
        #expect(ids == [1, 2, 3, 4])
        #expect(server.requests.allSatisfy { $0.query["since"] == nil }, "the first run asks for everything")
        // Resumed mid-way, the run keeps its lower bound (none) and still gets record 3.
        let resumed = try await source.makeErasedSource(context)
        try resumed.restore!(midway!)
        var rest: [Int] = []
        finished = false
        while !finished {
            let (outcome, done) = try await resumed.read(1)
            finished = done
            rest += outcome.output?.elements(as: Artist.self).map(\.id) ?? []
        }
        #expect(rest == [3, 4])
        // The next run asks only for what is newer than everything seen: nothing.
        let saved = try first.position!()
        let next = try await source.makeErasedSource(context)
        try next.restore!(saved)
        let (outcome, _) = try await next.read(1)
        #expect(outcome.output == nil)
        #expect(server.requests.last?.query["since"] == "2026-11-22")
    }

    @Test func theRateLimitWaitsOnTheClock() async throws {
        let server = try LoopbackHTTPServer { request in .respond(.json(json(artistPage(Int(request.query["page"] ?? "1") ?? 1)))) }
        defer { server.stop() }
        let clock = ManualClock()
        let reading = Task {
            try await SourceHarness.readAll(Source.http(server.url("/artists"), as: Artist.self, records: "data.items",
                                                        pagination: .pageNumber(), rateLimit: RateLimit(perSecond: 1, burst: 2)),
                                            clock: clock)
        }
        // Two requests go at once (the burst); the third waits for a token.
        await clock.waitForSleepers(1)
        #expect(server.requests.count == 2)
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers(1)
        #expect(server.requests.count == 3)
        clock.advance(by: .seconds(1))
        #expect(try await reading.value.elements.count == 7)
    }

    @Test func aSlowAnswerTimesOutNamingTheURL() async throws {
        let server = try LoopbackHTTPServer { _ in .delay(.seconds(3), .json("[]")) }
        defer { server.stop() }
        do {
            _ = try await SourceHarness.readAll(Source.http(server.url("/slow"), as: Artist.self,
                                                            options: HTTPRequestOptions(timeout: .seconds(1)),
                                                            retry: RetryPolicy(maxAttempts: 1)))
            Issue.record("expected a timeout")
        } catch {
            #expect("\(error)".hasPrefix(server.url("/slow")))
            #expect("\(error)".contains("gave up after 1 attempts"))
        }
    }
}

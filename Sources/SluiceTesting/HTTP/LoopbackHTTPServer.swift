#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 for testing API sources without the internet: it answers
/// each request with what a handler decides — a canned page, an error status, a slow answer,
/// or a dropped connection — and keeps a log of the requests it received.
///
/// ```swift
/// let server = try LoopbackHTTPServer { request in
///     switch request.query["page"] {
///     case "1": return .respond(.json(#"{"items":[{"id":1}],"next":2}"#))
///     case "2": return .respond(.status(429, headers: ["Retry-After": "1"]))
///     default:  return .respond(.json(#"{"items":[]}"#))
///     }
/// }
/// defer { server.stop() }
/// let url = server.url("/artists?page=1")
/// ```
public final class LoopbackHTTPServer: Sendable {
    /// A request as the server received it.
    public struct Request: Sendable {
        /// `GET`, `POST`, …
        public let method: String
        /// The path, without the query.
        public let path: String
        /// The query parameters (the last value of a repeated name).
        public let query: [String: String]
        /// The headers, names lowercased.
        public let headers: [String: String]
        /// The body.
        public let body: [UInt8]
    }

    /// An answer.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Headers to send.
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]

        /// A response.
        public init(status: Int = 200, headers: [String: String] = [:], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A JSON body with status 200 (or `status`).
        public static func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> Response {
            var all = headers
            all["Content-Type"] = "application/json"
            return Response(status: status, headers: all, body: Array(text.utf8))
        }

        /// An empty body with `status`.
        public static func status(_ status: Int, headers: [String: String] = [:]) -> Response {
            Response(status: status, headers: headers)
        }
    }

    /// What the server does with a request.
    public enum Behaviour: Sendable {
        /// Answers at once.
        case respond(Response)
        /// Answers after `delay`.
        case delay(Duration, Response)
        /// Closes the connection without answering.
        case drop
        /// Sends the head at once, then the body one byte every `interval`: a server that
        /// never stops answering quite.
        case trickle(Response, every: Duration)
    }

    private let listener: Int32
    /// The port the server listens on.
    public let port: Int
    private let handler: @Sendable (Request) -> Behaviour
    private let log = Mutex<[Request]>([])
    private let stopped = Atomic<Bool>(false)

    /// Starts listening on an ephemeral port of 127.0.0.1; `handler` decides every answer.
    public init(handler: @escaping @Sendable (Request) -> Behaviour) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT` followed by `pathAndQuery`.
    public func url(_ pathAndQuery: String = "/") -> String { "http://127.0.0.1:\(port)\(pathAndQuery)" }

    /// The requests received so far, in order.
    public var requests: [Request] { log.withLock { $0 } }

    /// Stops listening; requests in progress finish.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            DispatchQueue.global().async { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        guard let request = readRequest(connection) else { return }
        log.withLock { $0.append(request) }
        switch handler(request) {
        case .drop:
            return
        case .respond(let response):
            write(response, to: connection)
        case .delay(let delay, let response):
            Thread.sleep(forTimeInterval: Self.seconds(delay))
            write(response, to: connection)
        case .trickle(let response, let interval):
            guard transmit(Self.head(of: response), to: connection) else { return }
            for byte in response.body where !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Self.seconds(interval))
                guard transmit([byte], to: connection) else { return }
            }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func readRequest(_ connection: Int32) -> Request? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            bytes.append(contentsOf: buffer[0..<count])
            headerEnd = Self.find([13, 10, 13, 10], in: bytes)
            if bytes.count > 1 << 20 { return nil }
        }
        let head = String(decoding: bytes[..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(headerEnd! + 4)...])
        let wanted = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < wanted {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            body.append(contentsOf: buffer[0..<count])
        }
        let target = String(requestLine[1])
        let components = URLComponents(string: target)
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        return Request(method: String(requestLine[0]), path: components?.path ?? target, query: query, headers: headers, body: body)
    }

    private func write(_ response: Response, to connection: Int32) {
        _ = transmit(Self.head(of: response) + response.body, to: connection)
    }

    /// Sends all of `bytes`; `false` when the client went away.
    private func transmit(_ bytes: [UInt8], to connection: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    private static func head(of response: Response) -> [UInt8] {
        let reasons = [200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                       404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                       503: "Service Unavailable", 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect"]
        var head = "HTTP/1.1 \(response.status) \(reasons[response.status] ?? "Status")\r\n"
        head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8)
    }

    static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) { return start }
        return nil
    }
}

/// The loopback server could not start.
public struct ServerError: Error, CustomStringConvertible {
    /// What failed.
    public let description: String
    init(_ description: String) { self.description = description }
}

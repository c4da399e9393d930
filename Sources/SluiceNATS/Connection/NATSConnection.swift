import Foundation
import SluiceNetwork
import Synchronization

/// A connection to a NATS server: publish, subscribe, request/reply, with the server's `PING`s
/// answered and its own sent when the line goes quiet. One thread reads the socket and hands
/// each message to its subscription's ``NATSMailbox``; any task may publish (writes are
/// serialised). When the connection is lost every subscription and pending request fails with
/// the reason; ``JetStream`` sources and sinks then connect again (to any server of the
/// cluster) and continue from their own positions.
///
/// ```swift
/// let connection = try await NATSConnection.connect(try NATSConfiguration(url: "nats://127.0.0.1:4222"))
/// let subscription = try connection.subscribe(to: "greetings.>")
/// try connection.publish("greetings.world", payload: Array("hello".utf8))
/// let messages = try await subscription.next(timeout: 1)
/// connection.close()
/// ```
public final class NATSConnection: @unchecked Sendable {
    /// The settings it was made with.
    public let configuration: NATSConfiguration
    /// The server it is connected to.
    public let server: NATSConfiguration.Server
    /// What the server said about itself.
    public let info: NATSServerInfo

    private struct State {
        var nextSID: UInt64 = 1
        var mailboxes: [UInt64: NATSMailbox] = [:]
        /// The shared reply subscription's sid, once made, and the requests waiting on it.
        var inboxSID: UInt64?
        var nextReplyToken: UInt64 = 1
        var replies: [UInt64: NATSMailbox] = [:]
        /// One entry per `PING` sent, in order: a waiter for `flush`, or `nil` for a keep-alive.
        var pings: [NATSMailbox?] = []
        var failure: NATSError?
        var discoveredServers: [String] = []
    }

    private let socket: StreamSocket
    private let writeLock = NSLock()
    private let state = Mutex(State())
    private let inboxPrefix: String

    private init(configuration: NATSConfiguration, server: NATSConfiguration.Server, socket: StreamSocket,
                 info: NATSServerInfo, parser: NATSProtocolParser) {
        self.configuration = configuration
        self.server = server
        self.socket = socket
        self.info = info
        inboxPrefix = "_INBOX." + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(22)
        state.withLock { $0.discoveredServers = info.connectURLs }
        let reader = Thread { [self] in readLoop(parser) }
        reader.name = "sluice-nats-reader"
        reader.start()
    }

    /// Connects to the first server of `configuration` that answers (then the servers the
    /// cluster announced); throws naming every server tried and why, without credentials.
    public static func connect(_ configuration: NATSConfiguration, alsoTrying extra: [NATSConfiguration.Server] = []) async throws -> NATSConnection {
        try await BlockingCall.run { try connectBlocking(configuration, alsoTrying: extra) }
    }

    /// ``connect(_:alsoTrying:)`` without a task: blocks the calling thread.
    public static func connectBlocking(_ configuration: NATSConfiguration, alsoTrying extra: [NATSConfiguration.Server] = []) throws -> NATSConnection {
        var failures: [String] = []
        var candidates = configuration.servers
        for server in extra where !candidates.contains(server) { candidates.append(server) }
        for server in candidates {
            do {
                return try connect(to: server, configuration)
            } catch let error as NATSError {
                if case .authenticationFailed = error { throw error }
                failures.append("\(server): \(Self.reason(error))")
            }
        }
        throw NATSError.connectionFailed(failures.joined(separator: "; "))
    }

    private static func reason(_ error: NATSError) -> String {
        switch error {
        case .connectionFailed(let text), .protocolViolation(let text), .serverError(let text), .timeout(let text): return text
        default: return error.description
        }
    }

    private static func connect(to server: NATSConfiguration.Server, _ configuration: NATSConfiguration) throws -> NATSConnection {
        let socket: StreamSocket
        do {
            socket = try StreamSocket(host: server.host, port: server.port, timeout: configuration.timeout)
        } catch let error as SocketError {
            throw NATSError.connectionFailed(error.description)
        }
        var parser = NATSProtocolParser()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        func nextOperation() throws -> NATSServerOperation {
            while true {
                if let operation = try parser.next() { return operation }
                do {
                    let count = try buffer.withUnsafeMutableBytes { try socket.receive(into: $0, timeout: configuration.timeout) }
                    buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                } catch let error as SocketError {
                    throw NATSError.connectionFailed(error.description)
                }
            }
        }
        do {
            guard case .info(let info) = try nextOperation() else {
                throw NATSError.protocolViolation("the server did not start with INFO")
            }
            parser.maximumPayload = info.maximumPayload
            if info.authenticationRequired, configuration.user == nil, configuration.token == nil {
                throw NATSError.authenticationFailed("\(server) requires a user and password or a token, and the configuration has none")
            }
            do {
                try socket.send(try NATSCommand.connect(name: configuration.name, user: configuration.user,
                                                        password: configuration.password, token: configuration.token))
                try socket.send(NATSCommand.ping)
            } catch let error as SocketError {
                throw NATSError.connectionFailed(error.description)
            }
            while true {
                switch try nextOperation() {
                case .pong:
                    return NATSConnection(configuration: configuration, server: server, socket: socket, info: info, parser: parser)
                case .error(let text):
                    if text.lowercased().contains("authorization") || text.lowercased().contains("authentication") {
                        throw NATSError.authenticationFailed("\(server) refused the login: \(text)")
                    }
                    throw NATSError.serverError("\(server): \(text)")
                case .ping:
                    try? socket.send(NATSCommand.pong)
                case .info, .ok, .message:
                    continue
                }
            }
        } catch {
            socket.close()
            throw error
        }
    }

    // MARK: - Publishing

    /// Publishes `payload` to `subject`, with `headers` if given.
    public func publish(_ subject: String, payload: [UInt8] = [], headers: NATSHeaders? = nil, replyTo: String? = nil) throws {
        var out: [UInt8] = []
        try payload.withUnsafeBytes {
            try NATSCommand.publish(subject, replyTo: replyTo, headers: headers, payload: $0, into: &out)
        }
        try send(out)
    }

    /// Sends already encoded operations in one write.
    func send(_ bytes: [UInt8]) throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
        writeLock.lock()
        defer { writeLock.unlock() }
        do {
            try socket.send(bytes)
        } catch let error as SocketError {
            let failure = NATSError.connectionFailed("\(server): \(error.description)")
            fail(failure)
            throw failure
        }
    }

    /// Checks a payload against the server's limit.
    func checkPayload(_ count: Int, subject: String) throws {
        guard count <= info.maximumPayload else {
            throw NATSError.invalidArgument("a message of \(count) bytes for '\(subject)' exceeds the server's limit of \(info.maximumPayload)")
        }
    }

    // MARK: - Subscriptions

    /// Subscribes to `subject` (wildcards allowed), in `queueGroup` if given. At most
    /// `capacity` messages wait to be taken; beyond that the subscription fails as a slow
    /// consumer.
    public func subscribe(to subject: String, queueGroup: String? = nil, capacity: Int = 65_536) throws -> NATSSubscription {
        let mailbox = NATSMailbox(subject: subject, capacity: capacity)
        let sid = try state.withLock { state -> UInt64 in
            if let failure = state.failure { throw failure }
            let sid = state.nextSID
            state.nextSID += 1
            state.mailboxes[sid] = mailbox
            return sid
        }
        try send(try NATSCommand.subscribe(subject, queueGroup: queueGroup, sid: sid))
        return NATSSubscription(connection: self, sid: sid, subject: subject, mailbox: mailbox)
    }

    /// Ends a subscription.
    func unsubscribe(sid: UInt64) {
        let mailbox = state.withLock { $0.mailboxes.removeValue(forKey: sid) }
        mailbox?.fail(.closed)
        try? send(NATSCommand.unsubscribe(sid: sid))
    }

    // MARK: - Requests

    /// A reply that has not come yet: ``wait(timeout:)`` for it.
    public struct PendingReply: Sendable {
        let connection: NATSConnection
        let token: UInt64
        let mailbox: NATSMailbox
        let subject: String

        /// The reply, waiting at most `timeout` seconds (blocking the calling thread).
        public func waitBlocking(timeout: Double) throws -> NATSMessage {
            defer { connection.state.withLock { _ = $0.replies.removeValue(forKey: token) } }
            guard let reply = try mailbox.take(maximum: 1, timeout: timeout).first else {
                throw NATSError.timeout("no reply to a request on '\(subject)' within \(timeout) s from \(connection.server)")
            }
            if reply.status == 503 { throw NATSError.noResponders("'\(subject)' on \(connection.server)") }
            return reply
        }

        /// The reply, waiting at most `timeout` seconds.
        public func wait(timeout: Double) async throws -> NATSMessage {
            try await BlockingCall.run { try waitBlocking(timeout: timeout) }
        }
    }

    /// Publishes a request whose reply comes to this connection's inbox; does not wait.
    public func sendRequest(_ subject: String, payload: [UInt8] = [], headers: NATSHeaders? = nil) throws -> PendingReply {
        try sendRequests([(subject, payload, headers)])[0]
    }

    /// Publishes several requests in one write (one system call however many there are);
    /// their replies come to this connection's inbox. Does not wait.
    public func sendRequests(_ requests: [(subject: String, payload: [UInt8], headers: NATSHeaders?)]) throws -> [PendingReply] {
        let mailboxes = requests.map { NATSMailbox(subject: $0.subject, capacity: 1) }
        let (firstToken, needsInbox, sid) = try state.withLock { state -> (UInt64, Bool, UInt64) in
            if let failure = state.failure { throw failure }
            let first = state.nextReplyToken
            state.nextReplyToken += UInt64(requests.count)
            for (offset, mailbox) in mailboxes.enumerated() { state.replies[first + UInt64(offset)] = mailbox }
            if let sid = state.inboxSID { return (first, false, sid) }
            let sid = state.nextSID
            state.nextSID += 1
            state.inboxSID = sid
            return (first, true, sid)
        }
        let tokens = (0..<requests.count).map { firstToken + UInt64($0) }
        do {
            var out: [UInt8] = []
            out.reserveCapacity(requests.reduce(0) { $0 + $1.payload.count + $1.subject.utf8.count + 64 })
            if needsInbox { out += try NATSCommand.subscribe(inboxPrefix + ".*", queueGroup: nil, sid: sid) }
            for (request, token) in zip(requests, tokens) {
                try checkPayload(request.payload.count, subject: request.subject)
                try request.payload.withUnsafeBytes {
                    try NATSCommand.publish(request.subject, replyTo: inboxPrefix + ".\(token)", headers: request.headers, payload: $0, into: &out)
                }
            }
            try send(out)
        } catch {
            state.withLock { state in for token in tokens { state.replies[token] = nil } }
            throw error
        }
        return zip(tokens, zip(mailboxes, requests)).map { token, pair in
            PendingReply(connection: self, token: token, mailbox: pair.0, subject: pair.1.subject)
        }
    }

    /// Publishes a request and waits for its reply.
    public func request(_ subject: String, payload: [UInt8] = [], headers: NATSHeaders? = nil, timeout: Double? = nil) async throws -> NATSMessage {
        try await sendRequest(subject, payload: payload, headers: headers).wait(timeout: timeout ?? configuration.timeout)
    }

    /// ``request(_:payload:headers:timeout:)`` blocking the calling thread.
    public func requestBlocking(_ subject: String, payload: [UInt8] = [], headers: NATSHeaders? = nil, timeout: Double? = nil) throws -> NATSMessage {
        try sendRequest(subject, payload: payload, headers: headers).waitBlocking(timeout: timeout ?? configuration.timeout)
    }

    /// Waits until the server has processed everything sent before (a `PING` answered).
    public func flush(timeout: Double? = nil) async throws {
        let mailbox = NATSMailbox(subject: "PONG", capacity: 1)
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.pings.append(mailbox)
        }
        try send(NATSCommand.ping)
        let wait = timeout ?? configuration.timeout
        guard try await mailbox.next(maximum: 1, timeout: wait).first != nil else {
            throw NATSError.timeout("no PONG from \(server) within \(wait) s")
        }
    }

    // MARK: - Closing

    /// Why the connection ended, once it has.
    public var failure: NATSError? { state.withLock { $0.failure } }

    /// Servers of the cluster the server announced (`host:port`).
    public var discoveredServers: [NATSConfiguration.Server] {
        state.withLock { $0.discoveredServers }.compactMap { text in
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
            return NATSConfiguration.Server(host: String(text[..<colon]), port: port)
        }
    }

    /// Closes the connection; subscriptions and pending requests fail with ``NATSError/closed``.
    public func close() {
        fail(.closed)
        socket.shutdown()
    }

    // The descriptor is released only here, when no thread can use it any more: closing it
    // earlier could let a new socket reuse its number under a writer still sending.
    deinit { socket.close() }

    private func fail(_ error: NATSError) {
        let waiting = state.withLock { state -> [NATSMailbox] in
            guard state.failure == nil else { return [] }
            state.failure = error
            let all = Array(state.mailboxes.values) + Array(state.replies.values) + state.pings.compactMap { $0 }
            state.mailboxes = [:]
            state.replies = [:]
            state.pings = []
            return all
        }
        for mailbox in waiting { mailbox.fail(error) }
    }

    // MARK: - Reading

    private func readLoop(_ initial: NATSProtocolParser) {
        var parser = initial
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var unansweredKeepAlives = 0
        defer { socket.shutdown() }
        do {
            while true {
                while let operation = try parser.next() {
                    try handle(operation, unansweredKeepAlives: &unansweredKeepAlives)
                }
                if state.withLock({ $0.failure }) != nil { return }
                if !socket.isReadable(within: configuration.pingInterval) {
                    guard unansweredKeepAlives < 2 else {
                        throw NATSError.connectionFailed("\(server) answered no PING for \(Int(configuration.pingInterval * 2)) s")
                    }
                    unansweredKeepAlives += 1
                    state.withLock { $0.pings.append(nil) }
                    try send(NATSCommand.ping)
                    continue
                }
                let count: Int
                do {
                    count = try buffer.withUnsafeMutableBytes { try socket.receive(into: $0, timeout: configuration.timeout) }
                } catch let error as SocketError {
                    throw NATSError.connectionFailed("\(server): \(error.description)")
                }
                buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            }
        } catch let error as NATSError {
            fail(error)
        } catch {
            fail(.connectionFailed("\(server): \(error)"))
        }
    }

    private func handle(_ operation: NATSServerOperation, unansweredKeepAlives: inout Int) throws {
        switch operation {
        case .message(let sid, let message):
            let target = state.withLock { state -> NATSMailbox? in
                if sid == state.inboxSID {
                    guard let dot = message.subject.utf8.lastIndex(of: UInt8(ascii: ".")),
                          let token = UInt64(message.subject[message.subject.utf8.index(after: dot)...]) else { return nil }
                    return state.replies.removeValue(forKey: token)
                }
                return state.mailboxes[sid]
            }
            target?.deliver(message)
        case .ping:
            try send(NATSCommand.pong)
        case .pong:
            let waiter = state.withLock { state -> NATSMailbox?? in state.pings.isEmpty ? nil : state.pings.removeFirst() }
            switch waiter {
            case .some(.some(let mailbox)): mailbox.deliver(NATSMessage(subject: "PONG", payload: []))
            default: break
            }
            unansweredKeepAlives = 0
        case .info(let info):
            state.withLock { $0.discoveredServers = info.connectURLs }
        case .ok:
            break
        case .error(let text):
            let lowered = text.lowercased()
            // Permission errors leave the connection open; the others end it (the server closes).
            if lowered.hasPrefix("permissions violation") { return }
            throw NATSError.serverError("\(server): \(text)")
        }
    }
}

import Foundation

/// Where and how to connect: the servers of a cluster (tried in order, and again on
/// reconnect), credentials, and time limits. Its description and every error name servers as
/// `host:port`, never with the credentials.
///
/// ```swift
/// let configuration = try NATSConfiguration(url: "nats://sluice:secret@127.0.0.1:4222,nats://127.0.0.1:4223")
/// ```
public struct NATSConfiguration: Sendable, CustomStringConvertible {
    /// One server's address.
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        /// Host name or address.
        public var host: String
        /// TCP port.
        public var port: Int
        /// An address.
        public init(host: String, port: Int = 4222) {
            self.host = host
            self.port = port
        }
        /// `nats://host:port`.
        public var description: String { "nats://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
    }

    /// The servers, in the order they are tried.
    public var servers: [Server]
    /// User for user/password authentication.
    public var user: String?
    /// Password for user/password authentication.
    public var password: String?
    /// Token for token authentication.
    public var token: String?
    /// The client's name, shown by the server's monitoring.
    public var name: String
    /// Seconds to wait for a connection, the server's greeting, or an answer.
    public var timeout: Double
    /// Seconds without traffic before the client sends a `PING`; two unanswered `PING`s end
    /// the connection.
    public var pingInterval: Double

    /// A configuration for `servers`.
    public init(servers: [Server], user: String? = nil, password: String? = nil, token: String? = nil,
                name: String = "sluice", timeout: Double = 5, pingInterval: Double = 5) {
        self.servers = servers
        self.user = user
        self.password = password
        self.token = token
        self.name = name
        self.timeout = timeout
        self.pingInterval = pingInterval
    }

    /// Parses `nats://[user:password@ | token@]host[:port]`, several separated by commas.
    /// Credentials in any of them apply to all.
    public init(url: String, name: String = "sluice", timeout: Double = 5) throws {
        self.init(servers: [], name: name, timeout: timeout)
        for (index, part) in url.split(separator: ",").enumerated() {
            let text = part.trimmingCharacters(in: .whitespaces)
            var rest = Substring(text)
            if let scheme = rest.range(of: "://") {
                let name = rest[..<scheme.lowerBound].lowercased()
                guard name == "nats" else {
                    throw NATSError.invalidArgument("server \(index + 1) of the URL has scheme '\(name)': only nats:// is supported (TLS is not)")
                }
                rest = rest[scheme.upperBound...]
            }
            if let at = rest.lastIndex(of: "@") {
                let credentials = rest[..<at]
                rest = rest[rest.index(after: at)...]
                if let colon = credentials.firstIndex(of: ":") {
                    user = String(credentials[..<colon]).removingPercentEncoding ?? String(credentials[..<colon])
                    let secret = credentials[credentials.index(after: colon)...]
                    password = String(secret).removingPercentEncoding ?? String(secret)
                } else {
                    token = String(credentials).removingPercentEncoding ?? String(credentials)
                }
            }
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            var host = String(rest)
            var port = 4222
            if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
                let after = host[host.index(after: close)...]
                let inside = String(host[host.index(after: host.startIndex)..<close])
                if after.hasPrefix(":") {
                    guard let parsed = Int(after.dropFirst()), (1...65_535).contains(parsed) else {
                        throw NATSError.invalidArgument("server \(index + 1) of the URL has port '\(after.dropFirst())'")
                    }
                    port = parsed
                }
                host = inside
            } else if let colon = host.lastIndex(of: ":") {
                guard let parsed = Int(host[host.index(after: colon)...]), (1...65_535).contains(parsed) else {
                    throw NATSError.invalidArgument("server \(index + 1) of the URL has port '\(host[host.index(after: colon)...])'")
                }
                port = parsed
                host = String(host[..<colon])
            }
            guard !host.isEmpty else { throw NATSError.invalidArgument("server \(index + 1) of the URL has no host") }
            servers.append(Server(host: host, port: port))
        }
        guard !servers.isEmpty else { throw NATSError.invalidArgument("the NATS URL names no server") }
    }

    /// The servers without credentials, for messages.
    public var description: String { servers.map(\.description).joined(separator: ",") }
}

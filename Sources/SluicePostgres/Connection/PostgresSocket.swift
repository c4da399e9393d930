import SluiceNetwork

/// The socket to a PostgreSQL server: a ``StreamSocket`` to `host:port`, or for a `host`
/// starting with `/`, to the Unix-domain socket `<host>/.s.PGSQL.<port>`. Its failures are
/// ``PostgresConnectionError``s, which the connection's callers handle as lost connections.
final class PostgresSocket {
    private let socket: StreamSocket

    /// Connects within `timeout` seconds.
    init(host: String, port: Int, timeout: Double) throws {
        socket = try Self.translated {
            host.hasPrefix("/") ? try StreamSocket(unixPath: host + "/.s.PGSQL.\(port)")
                : try StreamSocket(host: host, port: port, timeout: timeout)
        }
    }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8]) throws { try Self.translated { try socket.send(bytes) } }

    /// What the server sends next, waiting at most `timeout` seconds.
    func receive(timeout: Double) throws -> [UInt8] { try Self.translated { try socket.receive(timeout: timeout) } }

    /// Whether bytes arrive within `timeout` seconds.
    func isReadable(within timeout: Double) -> Bool { socket.isReadable(within: timeout) }

    /// Closes the socket (again is harmless).
    func close() { socket.close() }

    private static func translated<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SocketError { throw PostgresConnectionError(error.description) }
    }
}

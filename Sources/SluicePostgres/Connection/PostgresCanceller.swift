/// Cancels the query a session is running, from any task: PostgreSQL takes a cancel request on
/// a new connection, naming the session by its process ID and secret key. The query then
/// fails with SQLSTATE 57014; if none is running, nothing happens.
public struct PostgresCanceller: Sendable {
    let host: String
    let port: Int
    let timeout: Double
    let processID: Int32
    let secretKey: Int32

    /// Sends the cancel request.
    public func cancel() throws {
        let socket = try PostgresSocket(host: host, port: port, timeout: timeout)
        defer { socket.close() }
        try socket.send(try FrontendMessage.cancelRequest(processID: processID, secretKey: secretKey).encoded())
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection's socket failed: the peer cannot be reached, closed the connection, or
/// stopped answering. Names the address, never credentials (the socket never sees them).
public struct SocketError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What happened.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// A stream socket to a server, over TCP or a Unix-domain socket, with a deadline on every
/// wait so that a server that stops answering is an error, not a hang. Blocking: one reader
/// at a time; ``shutdown()`` may be called from another thread to wake it.
public final class StreamSocket: @unchecked Sendable {
    private var descriptor: Int32

    /// Connects to the Unix-domain socket at `path`.
    public init(unixPath path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("cannot open a socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            closeDescriptor(descriptor)
            throw SocketError("the socket path \(path) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connectDescriptor(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            closeDescriptor(descriptor)
            throw SocketError("cannot connect to \(path): \(reason)")
        }
    }

    /// Connects to `host` (a name or address) on `port`, within `timeout` seconds.
    public init(host: String, port: Int, timeout: Double) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw SocketError("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd >= 0 {
                if Self.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout, error: &lastError) {
                    var on: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
                    descriptor = fd
                    return
                }
                closeDescriptor(fd)
            }
            candidate = info.pointee.ai_next
        }
        throw SocketError("cannot connect to \(host):\(port): \(lastError)")
    }

    /// Connects without blocking past `timeout`.
    private static func connect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: socklen_t, timeout: Double,
                                error: inout String) -> Bool {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if connectDescriptor(fd, address, length) == 0 { return true }
        guard errno == EINPROGRESS else {
            error = String(cString: strerror(errno))
            return false
        }
        var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&waiting, 1, Int32(timeout * 1000)) == 1 else {
            error = "no answer within \(timeout) s"
            return false
        }
        var failure: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &failure, &size)
        guard failure == 0 else {
            error = String(cString: strerror(failure))
            return false
        }
        return true
    }

    /// Sends all of `bytes`.
    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send($0) }
    }

    /// Sends all of `bytes`.
    public func send(_ bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while sent < bytes.count {
            let count = sendBytes(descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw SocketError("the connection was lost while sending: \(String(cString: strerror(errno)))") }
            sent += count
        }
    }

    /// What the server sends next, waiting at most `timeout` seconds; throws when the
    /// connection closes.
    public func receive(timeout: Double) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = try buffer.withUnsafeMutableBytes { try receive(into: $0, timeout: timeout) }
        return Array(buffer[..<count])
    }

    /// Reads what the server sends next into `buffer`, waiting at most `timeout` seconds;
    /// returns the number of bytes read, and throws when the connection closes.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeout: Double) throws -> Int {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&waiting, 1, Int32(timeout * 1000))
            if ready < 0, errno == EINTR { continue }
            guard ready == 1 else { throw SocketError("the server sent nothing for \(timeout) s") }
            break
        }
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw SocketError("the server closed the connection") }
            return count
        }
    }

    /// Whether bytes arrive within `timeout` seconds (or the peer closed: reading says so).
    public func isReadable(within timeout: Double) -> Bool {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&waiting, 1, Int32(max(0, timeout) * 1000))
            if ready < 0, errno == EINTR { continue }
            return ready == 1
        }
    }

    /// Ends both directions without releasing the descriptor: a reader blocked in another
    /// thread wakes with "closed". Harmless after ``close()``.
    public func shutdown() {
        guard descriptor >= 0 else { return }
        _ = shutdownDescriptor(descriptor)
    }

    /// Closes the socket (again is harmless).
    public func close() {
        guard descriptor >= 0 else { return }
        closeDescriptor(descriptor)
        descriptor = -1
    }

    deinit { close() }
}

// The C library's calls under names of their own: inside the class, `close`, `connect` and
// `send` mean its methods.
private func shutdownDescriptor(_ descriptor: Int32) -> Int32 { shutdown(descriptor, Int32(SHUT_RDWR)) }
private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
private func connectDescriptor(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    connect(descriptor, address, length)
}
private func sendBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int {
    send(descriptor, bytes, count, flags)
}

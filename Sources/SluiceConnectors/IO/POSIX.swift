#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceCore

/// An I/O error naming the path and the operating system's reason.
public struct FileError: Error, CustomStringConvertible, Sendable {
    /// The file involved.
    public var path: String
    /// What was being done, such as `open` or `write`.
    public var operation: String
    /// The system's explanation.
    public var reason: String

    /// Creates an error.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// The error for the current `errno`.
    static func fromErrno(path: String, operation: String) -> FileError {
        FileError(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }

    public var description: String { "cannot \(operation) '\(path)': \(reason)" }
}

enum POSIX {
    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileError.fromErrno(path: path, operation: "open") }
        return fd
    }

    static func openForWriting(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw FileError.fromErrno(path: path, operation: "create") }
        return fd
    }

    /// Reads up to `count` bytes; 0 at end of file.
    static func read(_ fd: Int32, into pointer: UnsafeMutableRawPointer, count: Int, path: String) throws -> Int {
        while true {
            let result = Glibc_read(fd, pointer, count)
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw FileError.fromErrno(path: path, operation: "read")
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let result = Glibc_write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if result < 0 {
                if errno == EINTR { continue }
                throw FileError.fromErrno(path: path, operation: "write")
            }
            offset += result
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0, errno != EINVAL, errno != EROFS {
            throw FileError.fromErrno(path: path, operation: "fsync")
        }
    }

    static func close(_ fd: Int32) { _ = Glibc_close(fd) }

    static func rename(_ from: String, to: String) throws {
        if Glibc_rename(from, to) != 0 { throw FileError.fromErrno(path: to, operation: "rename into") }
    }

    static func remove(_ path: String) { _ = unlink(path) }

    /// Expands a glob pattern into sorted paths; a path without pattern characters is returned
    /// as it is.
    static func expand(glob pattern: String) throws -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else { return [pattern] }
        var result = glob_t()
        defer { globfree(&result) }
        let status = Glibc_glob(pattern, 0, nil, &result)
        if status == GLOB_NOMATCH { throw FileError(path: pattern, operation: "expand", reason: "no file matches the pattern") }
        if status != 0 { throw FileError(path: pattern, operation: "expand", reason: "glob failed (\(status))") }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }
}

// The libc functions are renamed so that they do not clash with the enum's own names.
@inline(__always) private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }
@inline(__always) private func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
@inline(__always) private func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) private func Glibc_rename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
@inline(__always) private func Glibc_glob(_ pattern: String, _ flags: Int32,
                                          _ errfunc: (@convention(c) (UnsafePointer<CChar>?, Int32) -> Int32)?,
                                          _ result: UnsafeMutablePointer<glob_t>) -> Int32 {
    glob(pattern, flags, errfunc, result)
}

extension POSIX {
    /// The whole contents of a file.
    static func readWhole(_ path: String) throws -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try block.withUnsafeMutableBytes { try read(fd, into: $0.baseAddress!, count: $0.count, path: path) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: block[0..<count])
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceCore

/// Reads a file at any offset into one reusable buffer, for scanners that look for record
/// boundaries ahead of the readers.
final class FileWindow {
    let path: String
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    init(path: String, size: Int = 1 << 20) throws {
        self.path = path
        fd = try POSIX.openForReading(path)
        buffer = .allocate(byteCount: size, alignment: 16)
    }

    deinit {
        POSIX.close(fd)
        buffer.deallocate()
    }

    /// Up to `limit` bytes (at most the buffer's size) from `offset`; empty at the end of the
    /// file. Valid until the next call.
    func bytes(at offset: Int64, limit: Int) throws -> UnsafeRawBufferPointer {
        let wanted = min(limit, buffer.count)
        var done = 0
        while done < wanted {
            let count = pread(fd, buffer.baseAddress! + done, wanted - done, off_t(offset) + off_t(done))
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw FileError.fromErrno(path: path, operation: "read") }
            if count == 0 { break }
            done += count
        }
        return UnsafeRawBufferPointer(rebasing: buffer[0..<done])
    }

    /// The byte at `offset`, or `nil` past the end of the file.
    func byte(at offset: Int64) throws -> UInt8? {
        var value: UInt8 = 0
        while true {
            let count = pread(fd, &value, 1, off_t(offset))
            if count < 0, errno == EINTR { continue }
            if count < 0 { throw FileError.fromErrno(path: path, operation: "read") }
            return count == 0 ? nil : value
        }
    }
}

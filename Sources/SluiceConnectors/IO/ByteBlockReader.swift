#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceCore

/// Reads a file descriptor in large blocks into one reusable buffer and hands out lines as
/// pointers into it: no per-line allocation, constant memory however large the file (the
/// buffer only grows to hold the longest line).
@usableFromInline final class ByteBlockReader {
    @usableFromInline let path: String
    @exclusivity(unchecked) private var fd: Int32
    private let ownsDescriptor: Bool
    /// Reads bytes held in memory: every byte stays in the buffer.
    private var inMemory = false
    @exclusivity(unchecked) private var storage: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var reachedEnd = false
    @exclusivity(unchecked) private var atFileStart = true
    /// The 1-based number of the line returned last.
    @exclusivity(unchecked) @usableFromInline private(set) var lineNumber = 0
    /// Bytes read from the file so far, including those not yet handed out.
    @exclusivity(unchecked) @usableFromInline private(set) var bytesRead: Int64 = 0

    /// Opens `path`.
    @usableFromInline init(path: String, blockSize: Int = 1 << 20) throws {
        self.path = path
        self.fd = try POSIX.openForReading(path)
        self.ownsDescriptor = true
        self.storage = .allocate(byteCount: blockSize, alignment: 16)
    }

    /// Opens `path` and continues at byte `offset`, which starts line `lineNumber + 1`: how a
    /// source resumes from a checkpoint.
    @usableFromInline convenience init(path: String, resumingAt offset: Int64, lineNumber: Int) throws {
        try self.init(path: path)
        guard offset > 0 else { return }
        guard lseek(fd, off_t(offset), SEEK_SET) == offset else {
            throw RecordError("cannot resume \(path) at byte \(offset): the file is shorter or cannot seek")
        }
        if let size = identity?.size, size < offset {
            throw RecordError("cannot resume \(path) at byte \(offset): the file has only \(size) bytes (was it truncated or replaced?)")
        }
        bytesRead = offset
        atFileStart = false
        self.lineNumber = lineNumber
    }

    /// Reads from an already open descriptor that the caller keeps ownership of.
    init(descriptor: Int32, name: String, blockSize: Int = 1 << 16) {
        self.path = name
        self.fd = descriptor
        self.ownsDescriptor = false
        self.storage = .allocate(byteCount: blockSize, alignment: 16)
    }

    /// Reads `bytes` held in memory, as if they were a whole file (no byte order mark check).
    @usableFromInline init(bytes: [UInt8], name: String) {
        self.path = name
        self.fd = -1
        self.ownsDescriptor = false
        self.storage = .allocate(byteCount: max(16, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        end = bytes.count
        bytesRead = Int64(bytes.count)
        reachedEnd = true
        atFileStart = false
        inMemory = true
    }

    /// The offset in the file just after the last byte handed out.
    @usableFromInline var consumedOffset: Int64 { bytesRead - Int64(end - start) }

    deinit {
        close()
        storage.deallocate()
    }

    /// Closes the file; later reads return end of file.
    @usableFromInline func close() {
        if fd >= 0, ownsDescriptor { POSIX.close(fd) }
        fd = -1
        reachedEnd = true
    }

    /// Reads once into the space after the unread bytes, first moving them to the front and
    /// growing the buffer if it is full. Returns the number of bytes read; 0 at end of file.
    private func readOnce() throws -> Int {
        if start > 0 {
            if end > start {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start)
            }
            end -= start
            start = 0
        }
        if end == storage.count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: storage.count * 2, alignment: 16)
            larger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: end)
            storage.deallocate()
            storage = larger
        }
        let count = try POSIX.read(fd, into: storage.baseAddress! + end, count: storage.count - end, path: path)
        if count == 0 { reachedEnd = true }
        end += count
        bytesRead += Int64(count)
        return count
    }

    /// Reads more bytes after the unread ones. At the start of the file it reads until it
    /// can tell whether a UTF-8 byte order mark is there, and drops it.
    /// - Returns: `false` at end of file (nothing was added).
    private func fill() throws -> Bool {
        guard !reachedEnd, fd >= 0 else { return false }
        guard try readOnce() > 0 else { return false }
        if atFileStart {
            while end - start < 3, !reachedEnd { _ = try readOnce() }
            atFileStart = false
            if end - start >= 3, storage[start] == 0xEF, storage[start + 1] == 0xBB, storage[start + 2] == 0xBF {
                start += 3
            }
        }
        return true
    }

    /// The next line without its `\n` (and without a `\r` before it), valid until the next
    /// call; `nil` at end of file. A last line without a newline is returned too.
    @usableFromInline func nextLine() throws -> UnsafeRawBufferPointer? { try line(partialAtEnd: true) }

    /// The next line that ends with a newline; `nil` when only a partial line (or nothing) is
    /// left for now. For files that grow: after ``resumeAfterEnd()`` the partial line
    /// continues with what was appended.
    @usableFromInline func nextCompleteLine() throws -> UnsafeRawBufferPointer? { try line(partialAtEnd: false) }

    private func line(partialAtEnd: Bool) throws -> UnsafeRawBufferPointer? {
        var searchFrom = start
        while true {
            if end > searchFrom,
               let found = memchr(storage.baseAddress! + searchFrom, 0x0A, end - searchFrom) {
                let newline = storage.baseAddress!.distance(to: found)
                return takeLine(upTo: newline, resumingAt: newline + 1)
            }
            searchFrom = end - start
            if try !fill() {
                guard partialAtEnd, end > start else { return nil }
                return takeLine(upTo: end, resumingAt: end)
            }
            // `fill` moved the unread bytes to the front of the buffer.
            searchFrom += start
        }
    }

    /// The bytes from `start` to `lineEnd` without a final `\r`; reading continues at `next`.
    private func takeLine(upTo lineEnd: Int, resumingAt next: Int) -> UnsafeRawBufferPointer {
        var lineEnd = lineEnd
        if lineEnd > start, storage[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: storage[start..<lineEnd])
        start = next
        lineNumber += 1
        return line
    }

    /// After the end of the file was reached, reads again: for a file that is still growing.
    @usableFromInline func resumeAfterEnd() {
        if fd >= 0 { reachedEnd = false }
    }

    /// The unread bytes (a partial last line), consumed; empty if none.
    @usableFromInline func takeRemainder() -> [UInt8] {
        defer { start = end }
        guard end > start else { return [] }
        if end - start > 0 { lineNumber += 1 }
        return Array(UnsafeRawBufferPointer(rebasing: storage[start..<end]))
    }

    /// The device and inode of the open file, to notice when the path now names another file.
    @usableFromInline var identity: FileIdentity? { FileIdentity(descriptor: fd) }

    /// The bytes at file offsets `from..<to` (offsets as ``consumedOffset`` counts them),
    /// read again from the file or from memory: how a parser gives a dead letter all of the
    /// input a bad record consumed without copying every record on the way.
    @usableFromInline func bytes(from: Int64, to: Int64) throws -> [UInt8] {
        guard to > from else { return [] }
        if inMemory {
            // In memory: every byte is still in the buffer, offsets count from its start.
            let lower = Int(max(0, min(from, Int64(end)))), upper = Int(max(0, min(to, Int64(end))))
            return Array(UnsafeRawBufferPointer(rebasing: storage[lower..<upper]))
        }
        var result = [UInt8](repeating: 0, count: Int(to - from))
        var done = 0
        while done < result.count {
            let count = result.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(from) + off_t(done)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            done += count
        }
        return Array(result.prefix(done))
    }

    /// Continues reading at file offset `offset`, before or after what was handed out: how
    /// a parser resynchronises after a malformed record that ran on to the end of the file.
    @usableFromInline func rewind(to offset: Int64) throws {
        if inMemory {
            start = Int(max(0, min(offset, Int64(end))))
            return
        }
        guard lseek(fd, off_t(offset), SEEK_SET) == offset else {
            throw RecordError("cannot continue reading \(path) at byte \(offset)")
        }
        start = 0
        end = 0
        bytesRead = offset
        reachedEnd = false
        atFileStart = offset == 0
    }

    /// The next block of unread bytes, all of which the caller consumes; `nil` at end of file.
    @usableFromInline func nextBlock() throws -> UnsafeRawBufferPointer? {
        while start == end {
            // Bytes in memory stay where they are, for ``bytes(from:to:)`` and ``rewind(to:)``.
            if !inMemory {
                start = 0
                end = 0
            }
            guard try fill() else { return nil }
        }
        let block = UnsafeRawBufferPointer(rebasing: storage[start..<end])
        start = end
        return block
    }
}

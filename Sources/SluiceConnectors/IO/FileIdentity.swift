#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path or descriptor refers to (device and inode), and its size: enough to
/// notice that a followed file was rotated (renamed away and replaced) or truncated.
@usableFromInline struct FileIdentity: Equatable {
    @usableFromInline let device: UInt64
    @usableFromInline let inode: UInt64
    @usableFromInline let size: Int64

    @usableFromInline init?(descriptor: Int32) {
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    @usableFromInline init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    private init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
    }

    /// Whether both name the same file (sizes may differ).
    @usableFromInline func isSameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }
}

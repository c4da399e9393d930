/// The files a file source reads: a path or a glob pattern (`*`, `?`, `[…]`), expanded when
/// the source opens, in sorted order.
@usableFromInline struct FileList: Sendable {
    @usableFromInline let pattern: String

    @usableFromInline init(_ pattern: String) { self.pattern = pattern }

    @usableFromInline func expand() throws -> [String] { try POSIX.expand(glob: pattern) }
}

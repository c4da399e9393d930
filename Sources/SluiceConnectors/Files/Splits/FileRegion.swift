import SluiceCore

/// A file as a split source planned it: where its records start and end, and which file it
/// was, so that a resumed run notices a file replaced or cut short.
public struct PlannedFile: Codable, Sendable, Equatable {
    /// The path.
    public var path: String
    /// Where the first record starts (after a CSV header).
    public var dataStart: Int64
    /// The line the first record starts on.
    public var dataLine: Int
    /// The file's length when it was planned: records are read up to here.
    public var end: Int64
    /// The device and inode it had.
    public var device: UInt64
    /// The device and inode it had.
    public var inode: UInt64
    /// A CSV file's column names.
    public var header: [String]?

    init(path: String, dataStart: Int64, dataLine: Int, end: Int64, identity: FileIdentity?, header: [String]?) {
        self.path = path
        self.dataStart = dataStart
        self.dataLine = dataLine
        self.end = end
        device = identity?.device ?? 0
        inode = identity?.inode ?? 0
        self.header = header
    }

    /// Throws when the path now names another file, or a shorter one: its records can then
    /// not be read exactly once.
    func checkUnchanged() throws {
        guard let now = FileIdentity(path: path) else {
            throw RecordError("\(path) was being read by an earlier run and is gone: its remaining records cannot be read")
        }
        if now.device != device || now.inode != inode {
            throw RecordError("\(path) was being read by an earlier run, but the name now belongs to another file: move the new file to a new name, or start from scratch")
        }
        if now.size < end {
            throw RecordError("\(path) had \(end) bytes when an earlier run began reading it but now has \(now.size): it was cut short or rewritten, so its records cannot be read exactly once")
        }
    }
}

/// Whole records of one file: from a record start to a record start, or to the end planned.
public struct FileRegion: Codable, Sendable, Equatable {
    /// The file.
    public var path: String
    /// The offset of its first record.
    public var start: Int64
    /// The offset just after its last record.
    public var end: Int64
    /// The line its first record starts on.
    public var line: Int
    /// The line at `end`, when known before reading (from the scan that cut the region).
    public var endLine: Int?
}

/// How far a region has been read: records before `offset` are delivered, and the next one
/// starts on `line`. A region read to its end has `offset == region.end`.
public struct RegionProgress: Codable, Sendable, Equatable {
    /// The region.
    public var region: FileRegion
    /// The offset after the last record delivered.
    public var offset: Int64
    /// The line the next record starts on.
    public var line: Int
}

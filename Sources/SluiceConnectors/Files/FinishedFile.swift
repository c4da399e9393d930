import SluiceCore

/// A file a bounded source read to its end, as its position records it: where it ended, so
/// that a later run reads only what was appended since (incremental file ingestion), and
/// which file it was, so that a file replaced or cut short is reported, not misread.
public struct FinishedFile: Codable, Sendable, Equatable {
    /// The path.
    public var path: String
    /// The bytes read: the file's length when it was finished.
    public var length: Int64
    /// The lines read.
    public var lines: Int
    /// The device and inode it had.
    public var device: UInt64
    /// The device and inode it had.
    public var inode: UInt64
    /// A CSV file's column names, for rows appended later.
    public var header: [String]?

    @usableFromInline init(path: String, length: Int64, lines: Int, identity: FileIdentity?, header: [String]? = nil,
                           device: UInt64? = nil, inode: UInt64? = nil) {
        self.path = path
        self.length = length
        self.lines = lines
        self.device = device ?? identity?.device ?? 0
        self.inode = inode ?? identity?.inode ?? 0
        self.header = header
    }

    /// What to do with this file on a new run: nothing when it has not grown; read from its
    /// old end when it has; an error when it is shorter or another file now has its name.
    func growth() throws -> Growth {
        guard let now = FileIdentity(path: path) else { return .unchanged }   // gone: nothing more to read
        if now.device != device || now.inode != inode {
            throw RecordError("\(path) was read to its end (\(length) bytes) by an earlier run, but the name now belongs to another file: move the new file to a new name, or start from scratch")
        }
        if now.size < length {
            throw RecordError("\(path) was read to byte \(length) by an earlier run but now has \(now.size) bytes: it was cut short or rewritten, so its records cannot be read exactly once")
        }
        return now.size > length ? .appended : .unchanged
    }

    enum Growth { case unchanged, appended }

    /// The files of `finished` to read again from their old end on a resumed run: those that
    /// grew, except `current` (resumed at its offset). With `.ignore`, none, and `warning`
    /// names each file that grew and by how much.
    static func toResume(_ finished: [FinishedFile], current: String?, policy: AppendedData,
                         warning: @Sendable (String) -> Void) throws -> [FinishedFile] {
        var grown: [FinishedFile] = []
        for file in finished where file.path != current {
            guard try file.growth() == .appended else { continue }
            if policy == .read {
                grown.append(file)
            } else {
                let now = FileIdentity(path: file.path)?.size ?? file.length
                warning("\(file.path) grew by \(now - file.length) bytes since an earlier run read it to its end; they are not read, as the source ignores appended data (.appendedData(.ignore))")
            }
        }
        return grown
    }
}

import SluiceCore

/// Where one instance of a split file source is, as a checkpoint records it: the files
/// planned, the regions this instance read to their end, the one it is reading and how far,
/// and the files earlier runs finished.
///
/// The instances share their files' regions out as they go, so no one position says what is
/// left: a resumed run merges the positions of every instance (``remainingWork(_:)``). A region
/// nobody's position mentions was not started before the checkpoint, and is read again.
public struct FileSplitsPosition: Codable, Sendable, Equatable {
    /// The files planned so far.
    public var files: [PlannedFile]
    /// Regions read: to their end, or (for the one being read) part of the way.
    public var read: [RegionProgress]
    /// Files read to their end by earlier runs (to read what is appended to them later).
    public var finishedFiles: [FinishedFile]

    init(files: [PlannedFile], read: [RegionProgress], finishedFiles: [FinishedFile]) {
        self.files = files
        self.read = read
        self.finishedFiles = finishedFiles
    }

    /// What is left to read after the checkpoint whose positions are `positions`.
    struct RemainingWork {
        /// Regions of planned files not read yet, each starting at a record start.
        var regions: [(file: PlannedFile, region: FileRegion)] = []
        /// The parts already read, carried into later positions.
        var read: [RegionProgress] = []
        /// Files finished, by this or earlier runs.
        var finished: [FinishedFile] = []
        /// Every file planned (finished or not).
        var planned: [PlannedFile] = []
    }

    /// Merges the positions of all instances: a file whose planned records were all read is
    /// finished (and read again from its old end if it grew, under `appendedData`); the gaps
    /// between what was read in the others are left to read.
    static func remainingWork(_ positions: [FileSplitsPosition], appendedData: AppendedData,
                              warning: @Sendable (String) -> Void) throws -> RemainingWork {
        var work = RemainingWork()
        var planned: [String: PlannedFile] = [:]
        var order: [String] = []
        for position in positions {
            for file in position.files where planned[file.path] == nil {
                planned[file.path] = file
                order.append(file.path)
            }
        }
        var finished: [String: FinishedFile] = [:]
        for position in positions {
            for file in position.finishedFiles where finished[file.path] == nil { finished[file.path] = file }
        }
        var pieces: [String: [RegionProgress]] = [:]
        for position in positions {
            for progress in position.read where progress.offset > progress.region.start {
                pieces[progress.region.path, default: []].append(progress)
            }
        }
        for path in order {
            guard let file = planned[path], finished[path] == nil else { continue }
            var cursor = (offset: file.dataStart, line: file.dataLine)
            var gaps: [FileRegion] = []
            // What was read, as few pieces as possible: every instance carries what earlier
            // runs read, so the same piece comes once per instance, and pieces that touch
            // are joined; positions then stay small however often a run resumes.
            var read: [RegionProgress] = []
            for piece in (pieces[path] ?? []).sorted(by: { ($0.region.start, $0.offset) < ($1.region.start, $1.offset) }) {
                guard piece.offset > cursor.offset else { continue }   // read already
                if piece.region.start > cursor.offset {
                    gaps.append(FileRegion(path: path, start: cursor.offset, end: piece.region.start, line: cursor.line,
                                           endLine: piece.region.line))
                    read.append(piece)
                } else if let last = read.last, last.offset >= piece.region.start {
                    read[read.count - 1].offset = piece.offset
                    read[read.count - 1].line = piece.line
                    read[read.count - 1].region.end = piece.offset
                    read[read.count - 1].region.endLine = piece.line
                } else {
                    read.append(piece)
                }
                cursor = (piece.offset, piece.line)
            }
            work.read += read
            if cursor.offset < file.end {
                gaps.append(FileRegion(path: path, start: cursor.offset, end: file.end, line: cursor.line))
            }
            if gaps.isEmpty {
                finished[path] = FinishedFile(path: path, length: file.end, lines: cursor.line - 1,
                                              identity: nil, header: file.header, device: file.device, inode: file.inode)
            } else {
                try file.checkUnchanged()
                work.planned.append(file)
                work.regions += gaps.map { (file, $0) }
            }
        }
        // The read parts of finished files need not be carried: the finished file says it.
        let finishedPaths = Set(finished.keys)
        work.read.removeAll { finishedPaths.contains($0.region.path) }
        work.finished = finished.values.sorted { $0.path < $1.path }
        for file in try FinishedFile.toResume(work.finished, current: nil, policy: appendedData, warning: warning) {
            let length = FileIdentity(path: file.path)?.size ?? file.length
            let grown = PlannedFile(path: file.path, dataStart: file.length, dataLine: file.lines + 1, end: length,
                                    identity: FileIdentity(path: file.path), header: file.header)
            work.finished.removeAll { $0.path == file.path }
            work.planned.append(grown)
            work.regions.append((grown, FileRegion(path: file.path, start: file.length, end: length, line: file.lines + 1)))
        }
        return work
    }

    // MARK: Reading positions of earlier versions

    private enum CodingKeys: String, CodingKey {
        case files, read, finishedFiles
        case finished, current, offset, line, nextLine, header   // the single-reader form
    }

    /// Decodes this form, or the single-reader positions of earlier versions (one file open at
    /// an offset, the others finished), which resume as the same work.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.files) {
            files = try container.decode([PlannedFile].self, forKey: .files)
            read = try container.decode([RegionProgress].self, forKey: .read)
            finishedFiles = try container.decode([FinishedFile].self, forKey: .finishedFiles)
            return
        }
        let finishedNames = try container.decode([String].self, forKey: .finished)
        var finishedFiles = try container.decodeIfPresent([FinishedFile].self, forKey: .finishedFiles) ?? []
        for name in finishedNames where !finishedFiles.contains(where: { $0.path == name }) {
            // Versions before finished files were recorded: whatever the file holds now was read.
            let identity = FileIdentity(path: name)
            finishedFiles.append(FinishedFile(path: name, length: identity?.size ?? 0, lines: 0, identity: identity))
        }
        self.finishedFiles = finishedFiles
        files = []
        read = []
        guard let current = try container.decodeIfPresent(String.self, forKey: .current) else { return }
        let offset = try container.decode(Int64.self, forKey: .offset)
        // JSON Lines positions count the lines before the offset; CSV ones the next line.
        let nextLine = try container.decodeIfPresent(Int.self, forKey: .nextLine)
            ?? (try container.decode(Int.self, forKey: .line) + 1)
        let identity = FileIdentity(path: current)
        let file = PlannedFile(path: current, dataStart: 0, dataLine: 1, end: max(offset, identity?.size ?? offset), identity: identity,
                               header: try container.decodeIfPresent([String].self, forKey: .header))
        files = [file]
        read = [RegionProgress(region: FileRegion(path: current, start: 0, end: file.end, line: 1), offset: offset, line: nextLine)]
    }

    /// Encodes this form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(files, forKey: .files)
        try container.encode(read, forKey: .read)
        try container.encode(finishedFiles, forKey: .finishedFiles)
    }
}

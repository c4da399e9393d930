import SluiceCore

/// Reads JSON Lines files (one JSON value per line) and decodes each line into `Output`.
///
/// Create it with ``Source/jsonLines(_:as:)``. Blank lines are ignored. A line that is not
/// valid JSON or does not decode is handed to the error policy with the file, line number and
/// field; the raw line is kept for dead letters.
///
/// With `.parallelism(n)`, n instances read side by side: large files are cut into byte
/// ranges at line starts, handed out in file order as the instances ask for more
/// (`Documentation/Connectors/ParallelFiles.md`).
public struct JSONLinesSource<Output: Decodable & Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    @usableFromInline let files: FileList
    /// The length of the byte ranges files are cut into for parallel instances; `nil`: chosen
    /// per file.
    @usableFromInline var splitLength: Int64?

    @usableFromInline init(files: FileList) { self.files = files }

    /// Cuts files read by parallel instances into ranges of about `bytes` (by default a
    /// sixteenth of a file per instance, between 1 MiB and 2 MiB). Smaller ranges share the
    /// work more evenly and keep the instances reading near each other, which bounds the
    /// event time that windows after the source hold open; each costs a file open.
    @inlinable public func splitSize(_ bytes: Int) -> Self {
        var copy = self
        copy.splitLength = Int64(max(1, bytes))
        return copy
    }

    /// `jsonLines`.
    public var defaultName: String { "jsonLines" }
    /// The path or pattern.
    public var detail: String { files.pattern }
    /// Any number of instances: they share the files' byte ranges out.
    public var maximumParallelism: Int? { nil }

    /// Joins the instances' shared list of files (expanding the pattern for the first).
    @inlinable public func makeReader(_ context: StageContext) async throws -> Reader {
        let files = self.files, appendedData = settings.appendedData, warning = context.warning, splitLength = self.splitLength
        let coordinator = try context.shared.value {
            FileSplitCoordinator.jsonLines(paths: try files.expand(), parallelism: context.parallelism, splitLength: splitLength,
                                           appendedData: appendedData, warning: warning)
        }
        return Reader(coordinator: coordinator)
    }

    /// The running form of ``JSONLinesSource``: reads one region of a file at a time.
    public struct Reader: SourceReader {
        @usableFromInline var share: SplitShare
        @usableFromInline var current: (region: FileRegion, lines: ByteBlockReader)?
        @usableFromInline let decoder = JSONRecordDecoder()

        @usableFromInline init(coordinator: FileSplitCoordinator) { share = SplitShare(coordinator: coordinator) }

        /// Decodes up to `limit` lines, taking the next region as each ends.
        @inlinable public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            var handled = 0
            while handled < limit {
                guard let (region, lines) = try currentOrNext() else { return false }
                // A region ends at a line start, so the line begun before its end is its last.
                guard lines.consumedOffset < region.end, let line = try lines.nextLine() else {
                    finishRegion()
                    continue
                }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                handled += 1
                try emitJSONLine(line, decoder: decoder, origin: region.path, lineNumber: lines.lineNumber, into: &output)
            }
            return true
        }

        /// Notes the open region as read and closes it.
        @usableFromInline mutating func finishRegion() {
            guard let (region, lines) = current else { return }
            share.finished(region, line: region.endLine ?? lines.lineNumber + 1)
            lines.close()
            current = nil
        }

        /// The region being read, or the next one opened; `nil` when none is left.
        @usableFromInline mutating func currentOrNext() throws -> (FileRegion, ByteBlockReader)? {
            if let current { return current }
            guard let (_, region) = try share.claim() else { return nil }
            let opened = (region, try ByteBlockReader(path: region.path, resumingAt: region.start, lineNumber: region.line - 1))
            current = opened
            return opened
        }

        /// Closes the open file.
        public mutating func close() async {
            current?.lines.close()
            current = nil
        }
    }
}

extension JSONLinesSource.Reader: RedistributableSourceReader {
    /// The regions read, and how far into the open one.
    public func position() -> FileSplitsPosition {
        share.position(current: current.map { RegionProgress(region: $0.region, offset: $0.lines.consumedOffset, line: $0.lines.lineNumber + 1) })
    }

    /// Continues from one instance's position.
    public mutating func restore(to position: FileSplitsPosition) throws { try restore(toAll: [position]) }

    /// Continues from every instance's position: what none of them read is read.
    public mutating func restore(toAll positions: [FileSplitsPosition]) throws {
        current?.lines.close()
        current = nil
        try share.restore(positions)
    }
}

import Synchronization
import SluiceCore

/// Shares the files of a split source out among its instances, one region at a time.
///
/// Files are taken in order. With one instance a file is one region, read from start to end
/// as a sequential reader would. With more, a file is cut as it is handed out: each claim
/// scans ahead to the next record start about one split's length further (a few megabytes),
/// so the instances start at once and keep each other busy to the end, and no instance holds
/// more than the region it reads. Regions are handed out in file order, so each instance
/// reads forwards in the file; that keeps watermarks derived per instance safe (see
/// `Documentation/Connectors/ParallelFiles.md`).
@usableFromInline final class FileSplitCoordinator: Sendable {
    private struct Cutting {
        let file: PlannedFile
        var scanner: any RecordBoundaryScanner
        let end: Int64
        let endLine: Int?
        let splitLength: Int64
    }

    private struct State {
        var pending: [String]
        var queue: [(file: PlannedFile, region: FileRegion)] = []
        var cutting: Cutting?
        var planned: [PlannedFile] = []
        var carriedRead: [RegionProgress] = []
        var finished: [FinishedFile] = []
        var restored = false
    }

    private let state: Mutex<State>
    private let format: any SplitFileFormat
    private let parallelism: Int
    private let splitLength: Int64?
    private let appendedData: AppendedData
    private let warning: @Sendable (String) -> Void

    init(paths: [String], format: any SplitFileFormat, parallelism: Int, splitLength: Int64?, appendedData: AppendedData,
         warning: @escaping @Sendable (String) -> Void) {
        state = Mutex(State(pending: paths))
        self.format = format
        self.parallelism = parallelism
        self.splitLength = splitLength
        self.appendedData = appendedData
        self.warning = warning
    }

    /// Shares out JSON Lines files.
    @usableFromInline static func jsonLines(paths: [String], parallelism: Int, splitLength: Int64?, appendedData: AppendedData,
                                            warning: @escaping @Sendable (String) -> Void) -> FileSplitCoordinator {
        FileSplitCoordinator(paths: paths, format: JSONLinesSplitFormat(), parallelism: parallelism, splitLength: splitLength,
                             appendedData: appendedData, warning: warning)
    }

    /// Shares out CSV files; `missingColumn` names a column a typed source needs that a
    /// header lacks.
    @usableFromInline static func csv(paths: [String], options: CSVOptions, missingColumn: (@Sendable ([String]) -> String?)?,
                                      parallelism: Int, splitLength: Int64?, appendedData: AppendedData,
                                      warning: @escaping @Sendable (String) -> Void) -> FileSplitCoordinator {
        FileSplitCoordinator(paths: paths, format: CSVSplitFormat(options: options, missingColumn: missingColumn),
                             parallelism: parallelism, splitLength: splitLength, appendedData: appendedData, warning: warning)
    }

    /// Continues from the positions of every instance of a checkpoint; only the first call
    /// (from whichever instance restores first) takes effect.
    @usableFromInline func restore(_ positions: [FileSplitsPosition]) throws {
        try state.withLock { state in
            guard !state.restored else { return }
            state.restored = true
            let work = try FileSplitsPosition.remainingWork(positions, appendedData: appendedData, warning: warning)
            state.planned = work.planned
            state.carriedRead = work.read
            state.finished = work.finished
            state.queue = work.regions
            let known = Set(work.planned.map(\.path) + work.finished.map(\.path))
            state.pending.removeAll { known.contains($0) }
        }
    }

    /// The next region to read, and its file; `nil` when every file is handed out.
    @usableFromInline func claim() throws -> (file: PlannedFile, region: FileRegion)? {
        try state.withLock { state in
            while true {
                if var cutting = state.cutting {
                    let start = cutting.scanner.offset, line = cutting.scanner.line
                    if cutting.end - start > cutting.splitLength + cutting.splitLength / 2,
                       let next = try cutting.scanner.advance(toRecordStartAtOrAfter: start + cutting.splitLength, before: cutting.end) {
                        state.cutting = cutting
                        return (cutting.file, FileRegion(path: cutting.file.path, start: start, end: next.offset, line: line, endLine: next.line))
                    }
                    state.cutting = nil
                    return (cutting.file, FileRegion(path: cutting.file.path, start: start, end: cutting.end, line: line, endLine: cutting.endLine))
                }
                if !state.queue.isEmpty {
                    let (file, region) = state.queue.removeFirst()
                    let length = region.end - region.start
                    // Ranges stay small even in huge files: instances read neighbouring ranges,
                    // and how far apart they read is how much event time a window after the
                    // source must hold open until the slowest instance's watermark catches up.
                    let splitLength = self.splitLength ?? min(2 << 20, max(1 << 20, length / Int64(parallelism * 8)))
                    // A remainder under half a split stays with the split before it.
                    guard parallelism > 1, length > splitLength + splitLength / 2 else { return (file, region) }
                    let scanner = format.scanner(try FileWindow(path: file.path), offset: region.start, line: region.line)
                    state.cutting = Cutting(file: file, scanner: scanner, end: region.end, endLine: region.endLine, splitLength: splitLength)
                    continue
                }
                guard !state.pending.isEmpty else { return nil }
                let file = try format.plan(state.pending.removeFirst())
                state.planned.append(file)
                state.queue.append((file, FileRegion(path: file.path, start: file.dataStart, end: file.end, line: file.dataLine)))
            }
        }
    }

    /// The position of an instance that has read `read` (its finished regions and the one it
    /// is in): with what earlier runs read, and every file planned so far.
    @usableFromInline func position(read: [RegionProgress]) -> FileSplitsPosition {
        state.withLock { state in
            FileSplitsPosition(files: state.planned, read: state.carriedRead + read, finishedFiles: state.finished)
        }
    }
}

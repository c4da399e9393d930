/// One instance's part in a split file source: the coordinator it claims regions from, and
/// the regions it has read to their end — what its checkpoint position is made of.
@usableFromInline struct SplitShare {
    @usableFromInline let coordinator: FileSplitCoordinator
    /// Regions this instance read to their end.
    @usableFromInline var read: [RegionProgress] = []

    @usableFromInline init(coordinator: FileSplitCoordinator) { self.coordinator = coordinator }

    /// The next region to read and its file; `nil` when none is left.
    @usableFromInline func claim() throws -> (file: PlannedFile, region: FileRegion)? { try coordinator.claim() }

    /// Notes `region` as read to its end; the next record after it starts on `line`.
    @usableFromInline mutating func finished(_ region: FileRegion, line: Int) {
        read.append(RegionProgress(region: region, offset: region.end, line: line))
    }

    /// The position: the regions read, and how far into `current`, the one being read.
    @usableFromInline func position(current: RegionProgress?) -> FileSplitsPosition {
        coordinator.position(read: current.map { read + [$0] } ?? read)
    }

    /// Continues from every instance's position (see ``FileSplitCoordinator/restore(_:)``).
    @usableFromInline mutating func restore(_ positions: [FileSplitsPosition]) throws {
        read = []
        try coordinator.restore(positions)
    }
}

/// What a ``Batch`` saves at a checkpoint: the elements of the batch still open.
public struct BatchSnapshot<Element: Codable>: Codable {
    /// The open batch's elements, in order.
    public var elements: [Element]
}

extension Batch.Operator: CheckpointableOperator where Element: Codable {
    /// The open batch.
    public func snapshot() -> BatchSnapshot<Element> { BatchSnapshot(elements: buffer) }

    /// Reopens the batch of this instance (the one with the same index before); its age
    /// starts again from the first processing-time tick.
    public mutating func restore(from snapshots: [BatchSnapshot<Element>], scope: RestoreScope) {
        // Without keys, the instance with the same number takes the batch; batches of
        // instances that no longer exist go to the last one, so no element is lost.
        buffer = scope.instance < snapshots.count ? snapshots[scope.instance].elements : []
        if scope.instance == scope.parallelism - 1, snapshots.count > scope.parallelism {
            buffer += snapshots[scope.parallelism...].flatMap(\.elements)
        }
        bytes = stage.size.map { size in buffer.reduce(0) { $0 + size($1) } } ?? 0
        openedAt = .min
        now = .min
    }
}

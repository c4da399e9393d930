import Foundation

/// A stateful transform operator whose state a checkpoint can save and a restarted run can
/// restore: windows, keyed functions and your own stages.
///
/// ```swift
/// extension Deduplicate.Operator: CheckpointableOperator {
///     func snapshot() -> [String] { Array(seen) }
///     mutating func restore(from snapshots: [[String]], scope: RestoreScope) {
///         seen = Set(snapshots.joined().filter { scope.owns($0) })
///     }
/// }
/// ```
///
/// The snapshot is taken when a checkpoint barrier has arrived on every input, so it covers
/// exactly the elements before the barrier. On restore the operator receives the snapshots of
/// *every* instance of the previous run, so that keyed state can be spread again when the
/// number of instances or the process's hash seed changed: keep what ``RestoreScope/owns(_:)``
/// says belongs to this instance.
public protocol CheckpointableOperator {
    /// What the operator saves: a `Codable` value.
    associatedtype Snapshot: Codable

    /// The operator's state now.
    func snapshot() throws -> Snapshot

    /// Replaces the operator's state with what belongs to this instance in `snapshots`.
    mutating func restore(from snapshots: [Snapshot], scope: RestoreScope) throws
}

extension CheckpointableOperator {
    /// The snapshot, encoded (callable on an existential).
    @usableFromInline func encodedSnapshot() throws -> [UInt8] { try StateCoding.snapshot(of: self) }

    /// Restores from encoded snapshots (callable on an existential).
    @usableFromInline mutating func restoreEncoded(_ parts: [[UInt8]], scope: RestoreScope) throws {
        try StateCoding.restore(&self, from: parts, scope: scope)
    }
}

/// The snapshot and restore closures of an erased stage, for operators that are
/// ``CheckpointableOperator``s; both `nil` otherwise.
public struct StateHooks {
    /// Encodes the operator's state.
    public let snapshot: (() throws -> [UInt8])?
    /// Restores from the encoded snapshots of every previous instance.
    public let restore: (([[UInt8]], RestoreScope) throws -> Void)?

    /// Hooks reading the operator through `get` and replacing it through `set`.
    @inlinable public init<Op>(_ type: Op.Type, get: @escaping () -> Op, set: @escaping (Op) -> Void) {
        guard Op.self is any CheckpointableOperator.Type else {
            snapshot = nil
            restore = nil
            return
        }
        snapshot = { try (get() as! any CheckpointableOperator).encodedSnapshot() }
        restore = { parts, scope in
            var checkpointable = get() as! any CheckpointableOperator
            try checkpointable.restoreEncoded(parts, scope: scope)
            set(checkpointable as! Op)
        }
    }
}

/// Which part of the saved state belongs to a restored instance.
public struct RestoreScope: Sendable {
    /// This instance's index.
    public let instance: Int
    /// The number of instances now.
    public let parallelism: Int

    /// A scope.
    public init(instance: Int, parallelism: Int) {
        self.instance = instance
        self.parallelism = parallelism
    }

    /// Whether `key` is handled by this instance: the rule ``KeyBy`` partitions by.
    @inlinable public func owns<Key: Hashable>(_ key: Key) -> Bool {
        KeyPartition.instance(of: key, among: parallelism) == instance
    }
}

/// The rule that sends each key to one instance, shared by partitioning and restore.
public enum KeyPartition {
    /// The instance that handles `key` among `count`.
    @inlinable public static func instance<Key: Hashable>(of key: Key, among count: Int) -> Int {
        Int(UInt(bitPattern: key.hashValue) % UInt(max(1, count)))
    }
}

/// Encodes and decodes checkpoint state, in one place so that the format is the same for
/// every stage.
public enum StateCoding {
    /// Encodes `value` as JSON (readable when recovering by hand).
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array(try encoder.encode(value))
    }

    /// Decodes a value that ``encode(_:)`` produced.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(bytes))
    }

    /// The snapshot of `operator`, encoded.
    public static func snapshot<Op: CheckpointableOperator>(of operator: Op) throws -> [UInt8] {
        try encode(try `operator`.snapshot())
    }

    /// Restores `operator` from encoded snapshots.
    public static func restore<Op: CheckpointableOperator>(_ operator: inout Op, from parts: [[UInt8]], scope: RestoreScope) throws {
        let snapshots = try parts.map { try decode(Op.Snapshot.self, from: $0) }
        try `operator`.restore(from: snapshots, scope: scope)
    }
}

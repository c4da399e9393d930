/// Identifies one checkpoint; barriers carry it through the graph.
public struct CheckpointID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The checkpoint's sequence number, increasing from 1.
    public var rawValue: UInt64
    /// Wraps a sequence number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { self == .final ? "final checkpoint" : "checkpoint \(rawValue)" }
    /// The checkpoint taken at the end of bounded input, whatever its number on disk.
    public static let final = CheckpointID(UInt64.max)
}

/// What travels on an edge between two tasks, in order: data chunks and control events.
///
/// Control events share the channel with the data so that they stay ordered with it: a
/// watermark promises that no element with an earlier event time follows on this edge; a
/// barrier splits the stream into the parts before and after a checkpoint; end-of-input says
/// that this producer will send nothing more.
public enum StreamEvent: Sendable {
    /// A chunk of elements.
    case data(ErasedChunk)
    /// Event time has advanced to this point on this edge.
    case watermark(Timestamp)
    /// A checkpoint barrier.
    case barrier(CheckpointID)
    /// The producer has finished; nothing follows.
    case endOfInput
    /// Processing time has reached this instant. Sent by the runtime's ticker to the chains
    /// whose stages need processing time; never forwarded downstream.
    case processingTime(Timestamp)
}

/// A source reader that can say where it is and start again from there: what lets a
/// restarted run continue after the last record a checkpoint covers.
///
/// ``position()`` is asked right after a ``SourceReader/read(into:limit:)`` call, when a
/// checkpoint barrier is due: it must describe the point just after the last element emitted.
/// ``restore(to:)`` is called once, before the first read, when the run resumes.
public protocol CheckpointableSourceReader: SourceReader {
    /// Where the reader is: file and byte offset, cursor, sequence number.
    associatedtype Position: Codable

    /// The position after the last element emitted.
    func position() throws -> Position

    /// Continues from `position` on the next read.
    mutating func restore(to position: Position) throws
}

extension CheckpointableSourceReader {
    /// The position, encoded (callable on an existential).
    @usableFromInline func encodedPosition() throws -> [UInt8] { try StateCoding.encode(try position()) }

    /// Continues from an encoded position (callable on an existential).
    @usableFromInline mutating func restoreEncoded(_ bytes: [UInt8]) throws {
        try restore(to: StateCoding.decode(Position.self, from: bytes))
    }
}

/// A checkpointable reader whose instances share out one body of work (the byte ranges of
/// large files, say) rather than each owning a part: restored from the positions of every
/// instance of the checkpoint, so that a run resumed with another parallelism still reads
/// every record exactly once.
///
/// The runtime calls ``restore(toAll:)`` on each instance with all the positions, in instance
/// order; the instances must agree, through shared state, on who reads what next.
public protocol RedistributableSourceReader: CheckpointableSourceReader {
    /// Continues from the positions of all instances of the checkpoint.
    mutating func restore(toAll positions: [Position]) throws
}

extension RedistributableSourceReader {
    /// Continues from encoded positions (callable on an existential).
    @usableFromInline mutating func restoreEncoded(all encoded: [[UInt8]]) throws {
        try restore(toAll: encoded.map { try StateCoding.decode(Position.self, from: $0) })
    }
}

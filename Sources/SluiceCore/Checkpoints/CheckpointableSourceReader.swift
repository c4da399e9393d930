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

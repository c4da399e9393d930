import Foundation

/// A record that a stage could not process, kept with everything needed to fix and replay it.
public struct DeadLetter: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The stage that rejected the record.
    public var stage: String
    /// What was wrong.
    public var error: String
    /// The record as the source read it (the JSON line, the CSV record), whichever stage
    /// rejected it; a description of the element when it has no single source record (what
    /// a window made, or a source that keeps no raw text).
    public var rawInput: String
    /// Where the record came from, when known.
    public var location: SourceLocation?

    /// Creates a dead letter.
    public init(stage: String, error: String, rawInput: String, location: SourceLocation? = nil) {
        self.stage = stage
        self.error = error
        self.rawInput = rawInput
        self.location = location
    }

    public var description: String {
        "[\(stage)] \(error) — input: \(rawInput)"
    }
}

import Foundation

/// A record that a stage could not process, kept with everything needed to fix and replay it.
public struct DeadLetter: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The stage that rejected the record.
    public var stage: String
    /// What was wrong.
    public var error: String
    /// The record as it arrived at the stage: the raw line for sources, a description of the
    /// element for other stages.
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

/// Applies a stage's ``ErrorPolicy`` to bad records and keeps the tally.
///
/// Stages never decide on their own whether a bad record fails the run: they hand it to
/// ``reject(_:rawInput:location:)``, which throws under `.fail`, counts under `.skip`, and
/// keeps a ``DeadLetter`` under `.deadLetter`.
public struct RecordFailures: Sendable {
    /// The policy in force.
    public let policy: ErrorPolicy
    /// The stage whose records these are.
    public let stage: String
    /// Records rejected under `.skip` so far.
    public private(set) var skipped = 0
    /// Dead letters not yet taken by the runtime.
    public private(set) var deadLetters: [DeadLetter] = []

    /// Creates an empty tally for `stage`.
    public init(stage: String, policy: ErrorPolicy) {
        self.stage = stage
        self.policy = policy
    }

    /// Handles one bad record. Throws `error` (as a ``RecordError`` carrying `location`) when
    /// the policy is `.fail`.
    public mutating func reject(_ error: any Error, rawInput: @autoclosure () -> String,
                                location: SourceLocation? = nil) throws {
        let located = location ?? (error as? RecordError)?.location
        switch policy.kind {
        case .fail:
            if var recordError = error as? RecordError {
                // A location given here is the fuller one (the caller traced the record).
                if let location { recordError.location = location }
                throw recordError
            }
            let input = rawInput()
            let shown = input.count > 200 ? String(input.prefix(200)) + "…" : input
            throw RecordError("\(error) (input: \(shown))", at: located)
        case .skip:
            skipped += 1
        case .deadLetter:
            let message = (error as? RecordError)?.message ?? String(describing: error)
            deadLetters.append(DeadLetter(stage: stage, error: message, rawInput: rawInput(),
                                          location: located))
        }
    }

    /// Keeps a record as a dead letter whatever the policy: for records that are not errors
    /// but must not be lost, such as events later than a window's allowed lateness.
    public mutating func divert(_ reason: String, rawInput: String, location: SourceLocation? = nil) {
        deadLetters.append(DeadLetter(stage: stage, error: reason, rawInput: rawInput, location: location))
    }

    /// Removes and returns the dead letters collected so far.
    public mutating func takeDeadLetters() -> [DeadLetter] {
        defer { deadLetters.removeAll() }
        return deadLetters
    }

    /// Removes and returns the skip count so far.
    public mutating func takeSkipped() -> Int {
        defer { skipped = 0 }
        return skipped
    }
}

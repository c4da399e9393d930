import Foundation

/// Where a JetStream source starts when no checkpoint says otherwise.
public enum JetStreamStart: Sendable, Equatable {
    /// The first message the stream holds.
    case first
    /// The first message stored at or after this time.
    case time(Date)
    /// The message with this stream sequence (or the next one held).
    case sequence(UInt64)
    /// Only messages stored after the source opens. The stream's last sequence at that moment
    /// becomes the position, so a resumed run still reads everything stored since.
    case newOnly
}

/// Whether a JetStream source ends.
public enum JetStreamReadMode: Sendable, Equatable {
    /// It never ends: it waits for new messages (a streaming run).
    case follow
    /// It ends once it has read every message its subjects held when it opened (a batch run).
    case toEnd
}

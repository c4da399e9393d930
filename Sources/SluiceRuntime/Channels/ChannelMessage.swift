import SluiceCore

/// One event on a channel, tagged with the producer that sent it so that the consumer can
/// track end-of-input, watermarks and barriers per input.
struct ChannelMessage: Sendable {
    /// Index of the producer within the channel, `0..<producerCount`.
    let producer: Int
    /// The data chunk or control event.
    let event: StreamEvent
}

/// Thrown to a sender or receiver blocked on a channel that was failed because the run is
/// stopping.
struct ChannelClosedError: Error, CustomStringConvertible {
    var description: String { "channel closed: the run is stopping" }
}

import SluiceConnectors
import SluiceCore

extension Sink {
    /// Publishes each element as JSON to `subject`, exactly once with checkpoints on.
    ///
    /// ```swift
    /// Sink.jetStream(try NATSConfiguration(url: "nats://127.0.0.1:4222"), subject: "alerts", of: Alert.self)
    /// ```
    public static func jetStream<Input: Encodable & Sendable>(
        _ configuration: NATSConfiguration, subject: String, of type: Input.Type, retry: RetryPolicy = .jetStreamReconnection
    ) -> JetStreamSink<Input> {
        JetStreamSink(configuration: configuration, subjectDescription: subject, subject: { _ in subject }, retry: retry) { element, encoder, bytes in
            try encoder.encode(element, into: &bytes)
        }
    }

    /// Publishes each element as JSON to the subject `subject` computes from it (for example
    /// `"alerts.\($0.sensor)"`); a subject that is not valid makes the element a dead letter.
    public static func jetStream<Input: Encodable & Sendable>(
        _ configuration: NATSConfiguration, of type: Input.Type, retry: RetryPolicy = .jetStreamReconnection,
        subject: @escaping @Sendable (Input) -> String
    ) -> JetStreamSink<Input> {
        JetStreamSink(configuration: configuration, subjectDescription: "subject per element", subject: subject, retry: retry) { element, encoder, bytes in
            try encoder.encode(element, into: &bytes)
        }
    }
}

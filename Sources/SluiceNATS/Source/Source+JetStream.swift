import SluiceConnectors
import SluiceCore

extension Source {
    /// The messages of `stream` on `subjects`, their JSON payloads decoded into `type`.
    ///
    /// ```swift
    /// Source.jetStream(try NATSConfiguration(url: "nats://127.0.0.1:4222"), stream: "READINGS",
    ///                  subjects: ["readings.>"], as: Reading.self)
    /// ```
    public static func jetStream<Output: Decodable & Sendable>(
        _ configuration: NATSConfiguration, stream: String, subjects: [String], as type: Output.Type,
        start: JetStreamStart = .first, mode: JetStreamReadMode = .follow, retry: RetryPolicy = .jetStreamReconnection
    ) -> JetStreamSource<Output> {
        JetStreamSource(configuration: configuration, stream: stream, subjects: subjects, start: start, mode: mode, retry: retry) { message, decoder in
            try message.payload.withUnsafeBytes { try decoder.decode(Output.self, from: $0) }
        }
    }

    /// The messages of `stream` on `subjects` as they are: subject, sequence, time, headers and
    /// payload.
    public static func jetStream(
        _ configuration: NATSConfiguration, stream: String, subjects: [String],
        start: JetStreamStart = .first, mode: JetStreamReadMode = .follow, retry: RetryPolicy = .jetStreamReconnection
    ) -> JetStreamSource<JetStreamMessage> {
        JetStreamSource(configuration: configuration, stream: stream, subjects: subjects, start: start, mode: mode, retry: retry) { message, _ in
            message
        }
    }
}

import SluiceConnectors
import SluiceCore

extension Source {
    /// The messages of `stream` on `subjects`, their JSON payloads decoded into `type`.
    ///
    /// With `{partition}` in the subjects (`readings.{partition}.>`), the token it stands for
    /// names each message's partition: a run reads every partition (or, in a cluster, its
    /// own), and with event time each partition has its own watermark, the source's being the
    /// minimum (``PartitionedSourceReader``). `partitions` says how many there are (0 up to
    /// `partitions` − 1) so that each holds the watermark back from the start; without it
    /// they are learned as their first message arrives.
    ///
    /// ```swift
    /// Source.jetStream(try NATSConfiguration(url: "nats://127.0.0.1:4222"), stream: "READINGS",
    ///                  subjects: ["readings.>"], as: Reading.self)
    /// ```
    public static func jetStream<Output: Decodable & Sendable>(
        _ configuration: NATSConfiguration, stream: String, subjects: [String], as type: Output.Type,
        partitions: Int? = nil, start: JetStreamStart = .first, mode: JetStreamReadMode = .follow,
        retry: RetryPolicy = .jetStreamReconnection
    ) -> JetStreamSource<Output> {
        JetStreamSource(configuration: configuration, stream: stream, subjects: subjects, partitions: partitions, start: start,
                        mode: mode, retry: retry) { message, decoder in
            try message.payload.withUnsafeBytes { try decoder.decode(Output.self, from: $0) }
        }
    }

    /// The messages of `stream` on `subjects` as they are: subject, sequence, time, headers and
    /// payload. `partitions` as for the decoding source.
    public static func jetStream(
        _ configuration: NATSConfiguration, stream: String, subjects: [String], partitions: Int? = nil,
        start: JetStreamStart = .first, mode: JetStreamReadMode = .follow, retry: RetryPolicy = .jetStreamReconnection
    ) -> JetStreamSource<JetStreamMessage> {
        JetStreamSource(configuration: configuration, stream: stream, subjects: subjects, partitions: partitions, start: start,
                        mode: mode, retry: retry) { message, _ in
            message
        }
    }
}

import Foundation
import SluiceConnectors
import SluiceCore

/// Carries a cluster's repartitioned elements through one JetStream stream,
/// `SLUICE_X_<group>`: the elements of exchange `e` for partition `p` go to subjects
/// `sluice.x.<group>.<e>.<p>.d.<producer>`, and each producer's watermark to
/// `sluice.x.<group>.<e>.<p>.w.<producer>` (the time in milliseconds, `max` once it ended).
///
/// The publishing side is a transactional JetStream sink: the elements of a checkpoint
/// interval, followed by the producer's watermark, are published once the checkpoint is
/// durable, with message ids — exactly once in the checkpoint protocol. The reading side keeps
/// its stream sequence and every producer's watermark in its checkpoints, so a run that moves
/// to another worker resumes with both.
public struct JetStreamExchange: ExchangeTransport {
    /// The broker.
    public let configuration: NATSConfiguration
    /// The cluster group the exchange belongs to.
    public let group: String
    /// Partitions per segment: how many runs publish into an exchange and how many read it.
    public let partitions: Int
    /// Servers keeping the stream.
    public let replicas: Int
    /// Reconnection for both sides.
    public let retry: RetryPolicy

    /// The exchange of `group`, with `partitions` partitions on either side.
    public init(_ configuration: NATSConfiguration, group: String, partitions: Int, replicas: Int = 1,
                retry: RetryPolicy = .jetStreamReconnection) {
        self.configuration = configuration
        self.group = group
        self.partitions = partitions
        self.replicas = replicas
        self.retry = retry
    }

    /// The stream holding the group's exchanges.
    public var stream: String { "SLUICE_X_\(group)" }
    /// The subjects' common prefix.
    var prefix: String { "sluice.x.\(group)" }

    /// The stream's settings: every exchange of the group, kept on `replicas` servers, with a
    /// ten-minute duplicate window (the longest a worker may take to recover and publish a
    /// checkpoint's elements again).
    public var streamConfiguration: StreamConfiguration {
        var configuration = StreamConfiguration(name: stream, subjects: ["\(prefix).>"])
        configuration.replicas = replicas
        configuration.duplicateWindow = 600 * 1_000_000_000
        return configuration
    }

    /// Creates the stream unless it exists. Workers starting together race to create it, and
    /// on a cluster a replicated stream takes a moment to appear: a failed attempt is tried
    /// again for about ten seconds, as long as the stream does not exist yet.
    func prepareBlocking(_ jetStream: JetStream) throws {
        var attempt = 0
        while true {
            if try jetStream.streamInfoBlocking(stream) != nil { return }
            do {
                _ = try jetStream.createStreamBlocking(streamConfiguration)
                return
            } catch {
                attempt += 1
                guard attempt < 40 else { throw error }
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
    }

    /// A sink publishing `exchange`'s elements by key.
    public func sink<Element: Codable & Sendable>(for exchange: Exchange, of type: Element.Type,
                                                  keyHash: @escaping @Sendable (Element) -> UInt64) -> any SinkStage<Element> {
        JetStreamExchangeSink(exchange: self, index: exchange.index, keyHash: keyHash)
    }

    /// A source reading one partition of `exchange`. A message that is not one of the
    /// exchange's (it does not decode, or its subject is foreign) becomes a dead letter with
    /// its payload and `jetstream://<stream>/<sequence>`, and the partition goes on.
    public func source<Element: Codable & Sendable>(for exchange: Exchange, of type: Element.Type) -> any SourceStage<Element> {
        JetStreamExchangeSource<Element>(exchange: self, index: exchange.index).onError(.deadLetter)
    }
}

import Foundation

/// One repartitioning point of a pipeline divided into segments: a ``KeyBy`` whose keyed
/// elements cross from the processes running the segment before it to those running the
/// segment after it.
public struct Exchange: Sendable, Hashable {
    /// Its number among the pipeline's exchanges, in declaration order, from 0.
    public let index: Int
    /// The ``KeyBy`` stage's name.
    public let stage: String
    /// The segment whose runs publish into it; the next segment's runs read it.
    public let producingSegment: Int

    /// The name of the stage that publishes into the exchange.
    public var publishingStageName: String { "\(stage) to exchange" }
    /// The name of the stage that reads the exchange.
    public var readingStageName: String { "\(stage) from exchange" }

    /// Creates an exchange.
    public init(index: Int, stage: String, producingSegment: Int) {
        self.index = index
        self.stage = stage
        self.producingSegment = producingSegment
    }
}

/// Carries the elements of a repartitioning ``KeyBy`` between processes: what a cluster run
/// provides (JetStream subjects) so that ``Pipeline/segments(transport:)`` can divide a
/// pipeline at its exchanges.
///
/// The sink publishes each element to the partition of its key (`keyHash` modulo the number
/// of partitions), exactly once in the checkpoint protocol; the source reads one partition —
/// the run's ``StageContext/partition`` — with the watermarks of every producer.
public protocol ExchangeTransport: Sendable {
    /// The stage that publishes `exchange`'s elements, each to the partition `keyHash` picks.
    func sink<Element: Codable & Sendable>(for exchange: Exchange, of type: Element.Type,
                                           keyHash: @escaping @Sendable (Element) -> UInt64) -> any SinkStage<Element>
    /// The stage that reads one partition of `exchange`.
    func source<Element: Codable & Sendable>(for exchange: Exchange, of type: Element.Type) -> any SourceStage<Element>
}

/// What a ``KeyBy`` node knows to carry its output across processes, with the types erased.
public struct ExchangeEndpoint: Sendable {
    /// Why the elements cannot cross, when they cannot (a key or value that is not Codable).
    let unavailable: String?
    /// Adds the publishing sink after `node`.
    let addSink: @Sendable (any ExchangeTransport, Exchange, inout GraphBuilder, NodeID) -> Void
    /// Adds the reading source and returns it.
    let addSource: @Sendable (any ExchangeTransport, Exchange, inout GraphBuilder) -> NodeID

    /// The endpoint of a ``KeyBy`` producing `Keyed<Key, Value>`.
    @usableFromInline static func keyed<Key: Hashable & Sendable, Value: Sendable>(_ key: Key.Type, _ value: Value.Type) -> ExchangeEndpoint {
        typealias Element = Keyed<Key, Value>
        guard let codable = Element.self as? any (Codable & Sendable).Type, Key.self is any Encodable.Type else {
            let reason = "its key (\(Key.self)) and element (\(Value.self)) types must be Codable to cross between processes"
            return ExchangeEndpoint(unavailable: reason, addSink: { _, _, _, _ in }, addSource: { _, _, _ in NodeID(-1) })
        }
        @Sendable func addSink<E: Codable & Sendable>(_ type: E.Type, _ transport: any ExchangeTransport, _ exchange: Exchange,
                                            _ graph: inout GraphBuilder, _ node: NodeID) {
            let sink = transport.sink(for: exchange, of: type) { element in StableKeyHash.of((element as! Element).key) }
            _ = sink.named(exchange.publishingStageName).addNodes(to: &graph, after: [node])
        }
        @Sendable func addSource<E: Codable & Sendable>(_ type: E.Type, _ transport: any ExchangeTransport, _ exchange: Exchange,
                                              _ graph: inout GraphBuilder) -> NodeID {
            transport.source(for: exchange, of: type).named(exchange.readingStageName).addNodes(to: &graph, after: [])[0]
        }
        return ExchangeEndpoint(unavailable: nil,
                                addSink: { transport, exchange, graph, node in addSink(codable, transport, exchange, &graph, node) },
                                addSource: { transport, exchange, graph in addSource(codable, transport, exchange, &graph) })
    }
}

/// A hash of a key that is the same in every process and on every machine (unlike
/// `hashValue`, seeded per process): what picks an exchange partition.
public enum StableKeyHash {
    /// The hash of `key`: FNV-1a of its text for strings, of its bytes for integers, of its
    /// JSON encoding (sorted keys) for other Encodable keys.
    public static func of<Key: Hashable>(_ key: Key) -> UInt64 {
        switch key {
        case let text as String: return FNV1a.hash(text.utf8)
        case let number as Int: return FNV1a.hash(withUnsafeBytes(of: Int64(number).littleEndian, Array.init))
        case let number as Int64: return FNV1a.hash(withUnsafeBytes(of: number.littleEndian, Array.init))
        case let number as Int32: return FNV1a.hash(withUnsafeBytes(of: Int64(number).littleEndian, Array.init))
        case let number as UInt64: return FNV1a.hash(withUnsafeBytes(of: number.littleEndian, Array.init))
        case let encodable as any Encodable:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return FNV1a.hash((try? encoder.encode(encodable)) ?? Data(String(describing: key).utf8))
        default: return FNV1a.hash(String(describing: key).utf8)
        }
    }
}

import Foundation
import SluiceConnectors
import SluiceCore

/// The publishing side of a ``JetStreamExchange``: each element to the partition of its key,
/// and this run's watermark after each checkpoint interval's elements, all published once the
/// checkpoint is durable (a ``JetStreamSink`` transaction).
struct JetStreamExchangeSink<Element: Codable & Sendable>: SinkStage {
    typealias Input = Element
    var settings = StageSettings()
    let exchange: JetStreamExchange
    let index: Int
    let keyHash: @Sendable (Element) -> UInt64
    let publisher: JetStreamPublisher

    init(exchange: JetStreamExchange, index: Int, keyHash: @escaping @Sendable (Element) -> UInt64) {
        self.exchange = exchange
        self.index = index
        self.keyHash = keyHash
        publisher = JetStreamPublisher(configuration: exchange.configuration, retry: exchange.retry)
    }

    var defaultName: String { "exchange" }
    var detail: String { "\(exchange.configuration) \(exchange.prefix).\(index).<partition>" }

    /// Publishes a checkpoint's transaction.
    var transactionPublisher: (@Sendable ([UInt8]) throws -> Void)? { publisher.transactionCommitter }

    func makeWriter(_ context: StageContext) throws -> Writer {
        guard context.isCheckpointed else {
            throw RecordError("exchange '\(context.stageName)' publishes in the checkpoint protocol: run the pipeline with checkpoints (a cluster run does)")
        }
        let producer = context.partition ?? 0
        let prefix = "\(exchange.prefix).\(index)"
        let partitions = UInt64(exchange.partitions)
        let keyHash = keyHash
        let subjects = (0..<exchange.partitions).map { "\(prefix).\($0).d.\(producer)" }
        let elements = JetStreamSink<Element>(
            configuration: exchange.configuration, subjectDescription: "\(prefix).<partition>.d.\(producer)",
            subject: { element in subjects[Int(keyHash(element) % partitions)] },
            retry: exchange.retry, publisher: publisher) { element, encoder, bytes in
            try encoder.encode(element, into: &bytes)
        }
        return Writer(elements: try elements.makeWriter(context), watermarkSubjects: (0..<exchange.partitions).map { "\(prefix).\($0).w.\(producer)" })
    }

    struct Writer: TransactionalSinkWriter, WatermarkAwareSinkWriter {
        var elements: JetStreamSink<Element>.Writer
        /// Where this producer's watermark goes: one subject per partition.
        let watermarkSubjects: [String]
        var watermark = Timestamp.min
        var published = Timestamp.min

        mutating func write(_ batch: [Element], failures: inout RecordFailures) async throws {
            try await elements.write(batch, failures: &failures)
        }

        mutating func onWatermark(_ watermark: Timestamp) async throws {
            if watermark > self.watermark { self.watermark = watermark }
        }

        /// The interval's elements, then — when it advanced — the watermark, to every partition,
        /// so that a partition without elements still learns how far this producer got.
        mutating func preCommit(_ checkpoint: CheckpointID) async throws -> JetStreamSinkTransaction {
            if watermark > published {
                let text = watermark == .max ? "max" : String(watermark.millisecondsSinceEpoch)
                for subject in watermarkSubjects { elements.pending.append(subject: subject, payload: Array(text.utf8)) }
                published = watermark
            }
            return try await elements.preCommit(checkpoint)
        }

        static func commit(_ transaction: JetStreamSinkTransaction) throws {
            throw RecordError("an exchange commits through its stage's settings, not the writer type")
        }

        mutating func recover(after committed: JetStreamSinkTransaction?) async throws {}

        mutating func abort() async { await elements.abort() }
    }
}

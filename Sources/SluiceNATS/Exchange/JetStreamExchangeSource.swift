import Foundation
import SluiceConnectors
import SluiceCore

/// The reading side of a ``JetStreamExchange``: one partition (the run's
/// ``StageContext/partition``), its elements decoded, every producer's watermark forwarded to
/// the runtime (which takes the minimum, leaving out idle producers). It ends once every
/// producer has ended. Its position — the stream sequence and each producer's watermark — is
/// part of every checkpoint.
struct JetStreamExchangeSource<Element: Codable & Sendable>: SourceStage {
    typealias Output = Element
    var settings = StageSettings()
    let exchange: JetStreamExchange
    let index: Int

    var defaultName: String { "exchange" }
    var detail: String { "\(exchange.configuration) \(exchange.prefix).\(index).<partition>" }

    func makeReader(_ context: StageContext) throws -> Reader {
        var messages = Source.jetStream(exchange.configuration, stream: exchange.stream,
                                        subjects: ["\(exchange.prefix).\(index).{partition}.>"], mode: .follow, retry: exchange.retry)
        messages.checksGaps = false
        let reader = try messages.makeReader(context)
        let stageName = context.stageName, instance = context.instance
        let committed = context.committedPositions.map { positions in
            { @Sendable in try positions.position(of: stageName, instance: instance, as: Position.self)?.messages.lastSequence }
        }
        return Reader(messages: reader, producers: exchange.partitions, failures: RecordFailures(stage: context.stageName, policy: .fail),
                      purge: Purge(exchange: exchange, subject: reader.subjects[0], committedSequence: committed, warning: context.warning))
    }

    /// Removes from the stream what this partition's checkpoints have committed: no run will
    /// read it again, so the exchange holds only what is in flight.
    struct Purge {
        let exchange: JetStreamExchange
        let subject: String
        let committedSequence: (@Sendable () throws -> UInt64?)?
        let warning: @Sendable (String) -> Void
        var purgedBelow: UInt64 = 0
        var last = ContinuousClock.now
        var warned = false

        /// At most every two seconds: purges below the newest committed position.
        mutating func runIfDue(_ jetStream: JetStream?) async {
            guard let jetStream, let committedSequence, ContinuousClock.now - last >= .seconds(2) else { return }
            last = ContinuousClock.now
            do {
                guard let sequence = try committedSequence(), sequence + 1 > purgedBelow else { return }
                try await jetStream.purge(stream: exchange.stream, subject: subject, before: sequence + 1)
                purgedBelow = sequence + 1
            } catch {
                // Purging only saves space: the next attempt catches up.
                if !warned { warning("exchange \(exchange.stream): could not remove committed messages on \(subject): \(error)") }
                warned = true
            }
        }
    }

    /// Where the reader is: the stream sequence, and the watermark of each producer heard from.
    struct Position: Codable, Sendable, Equatable {
        var messages: JetStreamSource<JetStreamMessage>.Position
        /// Producer → watermark in milliseconds (`Int64.max` once it ended).
        var watermarks: [Int: Int64]
    }

    struct Reader: CheckpointableSourceReader, WatermarkForwardingSourceReader {
        var messages: JetStreamSource<JetStreamMessage>.Reader
        let producers: Int
        var raw: Emitter<JetStreamMessage>
        var watermarks: [Int: Int64] = [:]
        var partitions: [Int] = []
        var forwarded: [(partition: Int, watermark: Timestamp)] = []
        /// Restored watermarks, forwarded with the first read.
        var restoredToForward = false
        let decoder = JSONRecordDecoder()

        var purge: Purge

        init(messages: JetStreamSource<JetStreamMessage>.Reader, producers: Int, failures: RecordFailures, purge: Purge) {
            self.messages = messages
            self.producers = producers
            self.purge = purge
            raw = Emitter(failures: failures)
        }

        var expectedPartitions: [Int] { Array(0..<producers) }
        func partitionsOfLastRead() -> [Int]? { partitions }
        func watermarksOfLastRead() -> [(partition: Int, watermark: Timestamp)] { forwarded }

        var everyProducerEnded: Bool {
            (0..<producers).allSatisfy { watermarks[$0] == .max }
        }

        func position() throws -> Position {
            Position(messages: try messages.position(), watermarks: watermarks)
        }

        mutating func restore(to position: Position) throws {
            try messages.restore(to: position.messages)
            watermarks = position.watermarks
            restoredToForward = true
        }

        mutating func read(into output: inout Emitter<Element>, limit: Int) async throws -> Bool {
            partitions.removeAll(keepingCapacity: true)
            forwarded.removeAll(keepingCapacity: true)
            if restoredToForward {
                restoredToForward = false
                forwarded = watermarks.sorted { $0.key < $1.key }.map { ($0.key, Timestamp(millisecondsSinceEpoch: $0.value)) }
            }
            if everyProducerEnded {
                await messages.close()
                return false
            }
            _ = try await messages.read(into: &raw, limit: limit)
            await purge.runIfDue(messages.session?.jetStream)
            for message in raw.takeElements() {
                let location = messages.location(of: message)
                guard let (kind, producer) = Self.kindAndProducer(of: message.subject), (0..<producers).contains(producer),
                      kind == UInt8(ascii: "d") || kind == UInt8(ascii: "w") else {
                    try output.reject(RecordError("'\(message.subject)' is not a subject of this exchange"),
                                      rawInput: String(decoding: message.payload, as: UTF8.self), location: location)
                    continue
                }
                if kind == UInt8(ascii: "d") {
                    do {
                        let element = try message.payload.withUnsafeBytes { try decoder.decode(Element.self, from: $0) }
                        output.emit(element, from: location)
                        partitions.append(producer)
                    } catch {
                        try output.reject(error, rawInput: String(decoding: message.payload, as: UTF8.self), location: location)
                    }
                } else {
                    let text = String(decoding: message.payload, as: UTF8.self)
                    guard let time = text == "max" ? Int64.max : Int64(text) else {
                        try output.reject(RecordError("the watermark of producer \(producer) is not a time: '\(text.prefix(40))'"),
                                          rawInput: text, location: location)
                        continue
                    }
                    if time > watermarks[producer, default: .min] {
                        watermarks[producer] = time
                        forwarded.append((producer, Timestamp(millisecondsSinceEpoch: time)))
                    }
                }
            }
            return true
        }

        mutating func close() async { await messages.close() }

        /// `d` (an element) or `w` (a watermark) and the producer, from a subject ending
        /// `.<kind>.<producer>`: read from the end, without splitting the subject.
        static func kindAndProducer(of subject: String) -> (kind: UInt8, producer: Int)? {
            let bytes = subject.utf8
            guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")), lastDot > bytes.startIndex else { return nil }
            let kindIndex = bytes.index(before: lastDot)
            guard kindIndex > bytes.startIndex, bytes[bytes.index(before: kindIndex)] == UInt8(ascii: "."),
                  let producer = Int(subject[subject.index(after: lastDot)...]) else { return nil }
            return (bytes[kindIndex], producer)
        }
    }
}

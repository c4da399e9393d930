// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Sluice", targets: ["Sluice"]),
        .library(name: "SluiceTesting", targets: ["SluiceTesting"]),
        .library(name: "SluiceMatching", targets: ["SluiceMatching"]),
        .library(name: "SluiceIntegration", targets: ["SluiceIntegration"]),
        .executable(name: "quickstart", targets: ["Quickstart"]),
        .executable(name: "sluice-bench", targets: ["SluiceBench"]),
        .executable(name: "sluice-crashtest", targets: ["SluiceCrashTest"]),
        .executable(name: "link-records", targets: ["LinkRecords"]),
        .executable(name: "sensor-stream", targets: ["SensorStream"]),
        .executable(name: "customer-360", targets: ["Customer360"]),
        .executable(name: "music-trends", targets: ["MusicTrends"]),
        .executable(name: "retail-analytics", targets: ["RetailAnalytics"]),
        .executable(name: "shop-warehouse", targets: ["ShopWarehouse"]),
    ],
    dependencies: [],
    targets: [
        // Stage protocols, the typed DSL, the logical graph, errors and time: no tasks, no I/O.
        .target(name: "SluiceCore"),
        // Executes a pipeline: bounded channels, fused chains, partitioning, reports.
        .target(name: "SluiceRuntime", dependencies: ["SluiceCore"]),
        // Files (CSV, JSON Lines, text, globs), memory, standard input/output.
        .target(name: "SluiceConnectors", dependencies: ["SluiceCore"]),
        // Entity resolution: comparators, blocking, Fellegi–Sunter with EM, clustering. Plain
        // Swift on arrays; no pipeline needed.
        .target(name: "SluiceMatching", dependencies: ["SluiceCore", "SluiceIntegration"]),
        // Data integration: mapping, standardisation, validation, schemas, deduplication.
        .target(name: "SluiceIntegration", dependencies: ["SluiceCore"]),
        // Hashes written here (SHA-256, MD5, HMAC, PBKDF2), tested against published vectors:
        // for database authentication and checksums.
        .target(name: "SluiceCrypto"),
        // Blocking stream sockets with deadlines, shared by the protocol clients.
        .target(name: "SluiceNetwork"),
        // PostgreSQL on its frontend/backend protocol: connections, authentication, queries, COPY,
        // typed rows; the source and the warehouse sink.
        .target(name: "SluicePostgres", dependencies: ["SluiceCrypto", "SluiceNetwork", "SluiceCore", "SluiceConnectors"]),
        // NATS on its client protocol, and JetStream's API: streams, pull consumers, publish
        // acknowledgements, the key-value and object stores.
        .target(name: "SluiceNATS", dependencies: ["SluiceNetwork", "SluiceCrypto", "SluiceCore", "SluiceRuntime", "SluiceConnectors"]),
        // What users import.
        .target(name: "Sluice", dependencies: ["SluiceCore", "SluiceRuntime", "SluiceConnectors", "SluiceIntegration", "SluiceMatching",
                                              "SluicePostgres", "SluiceNATS"]),
        // Drive one stage in isolation.
        .target(name: "SluiceTesting", dependencies: ["SluiceCore", "SluicePostgres", "SluiceNATS"]),

        .executableTarget(name: "Quickstart", dependencies: ["Sluice"], path: "Samples/Quickstart",
                          exclude: ["Data"]),
        .executableTarget(name: "SluiceBench", dependencies: ["Sluice", "SluiceMatching", "SluiceTesting"], path: "Samples/Benchmarks",
                          exclude: ["duckdb-compare.sh"]),
        .executableTarget(name: "SluiceCrashTest", dependencies: ["Sluice"], path: "Samples/CrashTest",
                          exclude: ["crash-test.sh"]),
        .executableTarget(name: "LinkRecords", dependencies: ["Sluice"], path: "Samples/LinkRecords"),
        .executableTarget(name: "SensorStream", dependencies: ["Sluice"], path: "Samples/SensorStream", exclude: ["cluster-demo.sh"]),
        .executableTarget(name: "Customer360", dependencies: ["Sluice"], path: "Samples/Customer360", exclude: ["Data"]),
        .executableTarget(name: "MusicTrends", dependencies: ["Sluice", "SluiceTesting"], path: "Samples/MusicTrends", exclude: ["Data"]),
        .executableTarget(name: "RetailAnalytics", dependencies: ["Sluice"], path: "Samples/RetailAnalytics"),
        .executableTarget(name: "ShopWarehouse", dependencies: ["Sluice"], path: "Samples/ShopWarehouse",
                          exclude: ["seed.sql", "warehouse.sql", "start-server.sh", "crash-test.sh", "crash-test-cdc.sh"]),

        .testTarget(name: "SluiceCoreTests", dependencies: ["Sluice", "SluiceTesting", "SluicePostgres"]),
        .testTarget(name: "SluiceRuntimeTests", dependencies: ["Sluice", "SluiceTesting"]),
        .testTarget(name: "SluiceConnectorsTests", dependencies: ["Sluice", "SluiceTesting"]),
        .testTarget(name: "SluiceTestingTests", dependencies: ["Sluice", "SluiceTesting"]),
        .testTarget(name: "SluiceMatchingTests", dependencies: ["SluiceMatching", "SluiceIntegration", "SluiceTesting"]),
        .testTarget(name: "SluiceIntegrationTests", dependencies: ["Sluice", "SluiceTesting"]),
        .testTarget(name: "SluiceCryptoTests", dependencies: ["SluiceCrypto"]),
        .testTarget(name: "SluiceNATSTests", dependencies: ["Sluice", "SluiceNATS", "SluiceNetwork", "SluiceTesting"]),
        .testTarget(name: "SluicePostgresTests", dependencies: ["Sluice", "SluicePostgres", "SluiceTesting"]),
    ],
    swiftLanguageModes: [.v6]
)

// What users import: the DSL and stage protocols, the runtime, the connectors, the
// integration stages, entity resolution, PostgreSQL and NATS JetStream.
@_exported import SluiceCore
@_exported import SluiceRuntime
@_exported import SluiceConnectors
@_exported import SluiceIntegration
@_exported import SluiceMatching
@_exported import SluicePostgres
@_exported import SluiceNATS

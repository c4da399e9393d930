// What users import: the DSL and stage protocols, the runtime, and the connectors.
@_exported import SluiceCore
@_exported import SluiceRuntime
@_exported import SluiceConnectors

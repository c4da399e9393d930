import SluiceCore

/// Writes elements to standard output: strings as lines, other values as JSON Lines.
///
/// Create it with ``Sink/standardOutput()``.
public struct StandardOutputSink<Input: Encodable & Sendable>: SinkStage {
    /// Settings changed by modifiers.
    public var settings = StageSettings()

    init() {}

    /// `stdout`.
    public var defaultName: String { "stdout" }
    /// One writer.
    public var maximumParallelism: Int? { 1 }

    /// Starts writing.
    public func makeWriter(_ context: StageContext) -> Writer { Writer() }

    /// The running form of ``StandardOutputSink``.
    public struct Writer: SinkWriter {
        var buffer: [UInt8] = []
        let encoder = JSONRecordEncoder()

        /// Writes the chunk.
        public mutating func write(_ elements: [Input], failures: inout RecordFailures) async throws {
            buffer.removeAll(keepingCapacity: true)
            for element in elements {
                if let line = element as? String {
                    buffer.append(contentsOf: line.utf8)
                } else {
                    do { try encoder.encode(element, into: &buffer) } catch {
                        try failures.reject(error, rawInput: String(describing: element))
                        continue
                    }
                }
                buffer.append(0x0A)
            }
            try buffer.withUnsafeBytes { try POSIX.writeAll(1, $0, path: "stdout") }
        }
    }
}

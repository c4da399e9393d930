/// Per-chunk loops shared by the stateless operators: each fills its output array in place
/// (no per-element append checks) and collects failures to hand to the error policy after
/// the loop, so a bad element never stops the rest of the chunk from being processed.
@usableFromInline enum ChunkKernels {
    /// Applies `body` to every element; `body` writes zero or one output through `emit` and
    /// returns whether it did.
    @inlinable static func process<Input, Output>(
        _ chunk: [Input], into output: inout Emitter<Output>,
        _ body: (Input) throws -> Output?
    ) throws {
        var failures: [(index: Int, error: any Error)] = []
        // With lineage, which input each output came from; the loop stays the same without.
        let traced = output.inputLineage != nil
        var inputs: [Int32] = []
        if traced { inputs.reserveCapacity(chunk.count) }
        let results = chunk.withUnsafeBufferPointer { input in
            [Output](unsafeUninitializedCapacity: input.count) { buffer, count in
                for index in 0..<input.count {
                    do {
                        if let produced = try body(input[index]) {
                            (buffer.baseAddress! + count).initialize(to: produced)
                            count += 1
                            if traced { inputs.append(Int32(index)) }
                        }
                    } catch {
                        failures.append((index, error))
                    }
                }
            }
        }
        if traced { output.emit(contentsOf: results, fromInputs: inputs) } else { output.emit(contentsOf: results) }
        for failure in failures {
            output.inputIndex = failure.index
            try output.reject(failure.error, rawInput: String(describing: chunk[failure.index]))
        }
        output.inputIndex = -1
    }
}

import Sluice

/// (a) Integers through map → filter → map → sum.
enum IntegerBenchmark {
    @inline(never)
    static func handWritten(_ input: [Int]) -> Int {
        var sum = 0
        for value in input {
            let tripled = value &* 3
            if tripled % 2 == 0 { sum &+= tripled &+ 1 }
        }
        return sum
    }

    static func pipeline(_ input: [Int], parallelism: Int, into sum: Accumulator<Int>) -> Pipeline {
        Pipeline("integers") {
            Source.collection(input)
            Map { (value: Int) in value &* 3 }.parallelism(parallelism)
            Filter { (value: Int) in value % 2 == 0 }.parallelism(parallelism)
            Map { (value: Int) in value &+ 1 }.parallelism(parallelism)
            Sink.reduce(into: sum) { (total: inout Int, value: Int) in total &+= value }
        }
    }

    static func run(count: Int, chunkSize: Int = 4096) async throws {
        print("(a) \(count) integers: map → filter → map → sum")
        // Both read the same array, so the compiler cannot replace the loop by a formula.
        let input = (0..<count).map { ($0 &* 7_919) % count }
        var expected = 0
        let loop = await measure(repetitions: 3) { expected = handWritten(input) }
        for parallelism in [1, 2] {
            let sum = Accumulator(0)
            let elapsed = try await measure(repetitions: 3) {
                sum.value = 0
                _ = try await pipeline(input, parallelism: parallelism, into: sum).run(options: RunOptions(chunkSize: chunkSize))
            }
            precondition(sum.value == expected, "sum \(sum.value) differs from the loop's \(expected)")
            report(parallelism == 1 ? "fused" : "parallelism 2", sluice: elapsed, loop: loop, loopName: "hand-written loop", items: count)
        }
    }
}

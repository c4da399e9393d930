/// Checks a logical graph before it runs and reports every problem at once.
enum GraphValidator {
    static func problems(in graph: LogicalGraph) -> [String] {
        var problems: [String] = []
        var seen: [String: Int] = [:]
        for node in graph.nodes { seen[node.name, default: 0] += 1 }
        for (name, count) in seen.sorted(by: { $0.key < $1.key }) where count > 1 {
            problems.append("stage name '\(name)' is used by \(count) stages; names must be unique")
        }
        for node in graph.nodes {
            if node.parallelism < 1 {
                problems.append("stage '\(node.name)': parallelism must be at least 1, not \(node.parallelism)")
            }
            if node.kind == .source, node.parallelism > 1, node.maximumParallelism == 1 {
                problems.append("source '\(node.name)': this source reads as one instance; parallelise the stages after it")
            } else if let limit = node.maximumParallelism, node.parallelism > limit {
                problems.append("stage '\(node.name)': supports at most \(limit) instance(s), asked for \(node.parallelism)")
            }
            if node.kind != .source, node.inputs.isEmpty, node.id != graph.deadLetterSink {
                problems.append("stage '\(node.name)' has no input")
            }
            if node.readsLateOutput, let producer = node.inputs.first, producer.index < graph.nodes.count {
                let lateType = graph[producer].lateOutputType
                if lateType != node.inputType {
                    problems.append("stage '\(node.name)' takes \(node.inputType) but the late events of '\(graph[producer].name)' are \(lateType.map { "\($0)" } ?? "none")")
                }
            }
            if let output = node.readsOutput, let producer = node.inputs.first, producer.index < graph.nodes.count {
                if let router = graph[producer].outputRouter, output < router.types.count {
                    if router.types[output] != node.inputType {
                        problems.append("stage '\(node.name)' takes \(node.inputType) but output '\(router.names[output])' of '\(graph[producer].name)' is \(router.types[output])")
                    }
                } else {
                    problems.append("stage '\(node.name)' reads output \(output) of '\(graph[producer].name)', which has no such output")
                }
            }
            if let router = node.outputRouter {
                let read = Set(graph.consumers(of: node.id).compactMap { graph[$0].readsOutput })
                for (output, name) in router.names.enumerated() where !read.contains(output) {
                    problems.append("stage '\(node.name)' sends elements to its output '\(name)', which nothing reads: use that stream, or filter those elements out before the split")
                }
            }
            for (position, input) in node.inputs.enumerated() where !node.readsLateOutput && node.readsOutput == nil {
                let expected = node.expectedType(ofInput: position)
                guard input.index >= graph.nodes.count || graph[input].outputType != expected else { continue }
                let producer = input.index < graph.nodes.count ? "'\(graph[input].name)' produces \(graph[input].outputType)" : "its input \(input) does not exist"
                problems.append("stage '\(node.name)' takes \(expected) but \(producer)")
            }
            if case .binary = node.implementation, node.parallelism > 1 {
                for input in node.inputs where input.index < graph.nodes.count && graph[input].partitioner == nil {
                    problems.append("stage '\(node.name)' runs \(node.parallelism) instances but its input '\(graph[input].name)' is not keyed; put a KeyBy before each side")
                }
            }
            if node.kind != .sink, graph.consumers(of: node.id).isEmpty {
                problems.append("stage '\(node.name)' has no consumer; end every branch with a sink")
            }
        }
        if let sink = graph.deadLetterSink, graph[sink].inputType != PortType(DeadLetter.self) {
            problems.append("dead-letter sink '\(graph[sink].name)' takes \(graph[sink].inputType), not DeadLetter")
        }
        if let sink = graph.deadLetterSink,
           !graph.nodes.contains(where: { $0.settings.errorPolicy == .deadLetter }) {
            problems.append("dead-letter sink '\(graph[sink].name)' is set but no stage uses .onError(.deadLetter)")
        }
        return problems
    }
}

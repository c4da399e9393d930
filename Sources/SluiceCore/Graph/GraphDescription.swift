import Foundation

extension Pipeline: CustomStringConvertible {
    /// A text description: one line per stage with its role, inputs and settings.
    public var description: String {
        var lines = ["Pipeline \"\(name)\" — \(graph.nodes.count) stages"]
        let width = graph.nodes.map(\.name.count).max() ?? 0
        for node in graph.nodes {
            var line = "  " + "[\(node.kind.rawValue)]".padding(toLength: 12, withPad: " ", startingAt: 0)
            line += node.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
            var facts: [String] = []
            if node.readsLateOutput {
                facts.append("← late events of " + node.inputs.map { graph[$0].name }.joined(separator: ", "))
            } else if let output = node.readsOutput, let producer = node.inputs.first {
                facts.append("← output '\(graph[producer].outputRouter?.names[output] ?? "\(output)")' of \(graph[producer].name)")
            } else if !node.inputs.isEmpty {
                facts.append("← " + node.inputs.map { graph[$0].name }.joined(separator: ", "))
            }
            if node.id == graph.deadLetterSink { facts.append("← dead letters of every stage") }
            if !node.flowPath.isEmpty { facts.append("in " + node.flowPath.joined(separator: "/")) }
            if node.parallelism != 1 { facts.append("×\(node.parallelism)") }
            if node.isStateless { facts.append("stateless") }
            if node.partitioner != nil { facts.append("partitions by key") }
            if node.settings.errorPolicy != .fail { facts.append("on error: \(node.settings.errorPolicy)") }
            if !node.detail.isEmpty { facts.append(node.detail) }
            line += facts.joined(separator: "  ")
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The graph in Graphviz DOT: stages as nodes, flows as clusters, key-partitioned edges
    /// labelled, late-event routes dotted, dead-letter routes dashed.
    public func dot() -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func shape(_ kind: StageKind) -> String {
            switch kind {
            case .source: return "invhouse"
            case .transform: return "box"
            case .sink: return "house"
            }
        }
        var out = ["digraph \(quoted(name)) {", "  rankdir=LR;", "  node [fontname=\"Helvetica\"];"]
        func nodeLine(_ node: LogicalNode, indent: String) -> String {
            var label = node.name
            if node.parallelism != 1 { label += " ×\(node.parallelism)" }
            if !node.detail.isEmpty { label += "\\n" + node.detail.replacingOccurrences(of: "\"", with: "'") }
            return "\(indent)\(node.id) [label=\"\(label)\", shape=\(shape(node.kind))];"
        }
        // Nodes grouped by their outermost flow, nested clusters for inner flows.
        var emitted = Set<NodeID>()
        func emitCluster(path: [String], indent: String, counter: inout Int) {
            let members = graph.nodes.filter { $0.flowPath.starts(with: path) }
            let direct = members.filter { $0.flowPath.count == path.count }
            for node in direct where emitted.insert(node.id).inserted { out.append(nodeLine(node, indent: indent)) }
            var children: [String] = []
            for node in members where node.flowPath.count > path.count {
                let child = node.flowPath[path.count]
                if !children.contains(child) { children.append(child) }
            }
            for child in children {
                counter += 1
                out.append("\(indent)subgraph cluster_\(counter) {")
                out.append("\(indent)  label=\(quoted(child)); style=rounded;")
                emitCluster(path: path + [child], indent: indent + "  ", counter: &counter)
                out.append("\(indent)}")
            }
        }
        var counter = 0
        emitCluster(path: [], indent: "  ", counter: &counter)
        for node in graph.nodes {
            for input in node.inputs {
                let label = node.readsLateOutput ? " [style=dotted, label=\"late events\"]"
                    : node.readsOutput.map { " [label=\(quoted(graph[input].outputRouter?.names[$0] ?? "\($0)"))]" }
                    ?? (graph[input].partitioner != nil ? " [label=\"by key\"]" : "")
                out.append("  \(input) -> \(node.id)\(label);")
            }
        }
        if let sink = graph.deadLetterSink {
            for node in graph.nodes where node.settings.errorPolicy == .deadLetter {
                out.append("  \(node.id) -> \(sink) [style=dashed, label=\"dead letters\"];")
            }
        }
        out.append("}")
        return out.joined(separator: "\n")
    }
}

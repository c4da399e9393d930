import Testing
import Sluice

@Suite struct PipelineDescriptionTests {
    let collector = Collector<Int>()

    @Test func describesEveryStageWithItsInputsAndSettings() {
        let pipeline = Pipeline("numbers") {
            Source.collection(1...3)
            Map { (n: Int) in n * 2 }.named("double").parallelism(2)
            Filter { $0 > 2 }.onError(.skip)
            Sink.collect(into: collector)
        }
        let text = pipeline.description
        #expect(text.contains("Pipeline \"numbers\" — 4 stages"))
        #expect(text.contains("double"))
        #expect(text.contains("×2"))
        #expect(text.contains("on error: skip"))
        #expect(text.contains("← double"))
    }

    @Test func exportsGraphvizWithClustersForNamedFlowsAndLabelledKeyEdges() {
        let pipeline = Pipeline("graph") {
            Merge {
                Flow("left") { Source.collection([1, 2]); Map { $0 + 1 } }
                Flow("right") { Source.collection([3]) }
            }
            KeyBy { (n: Int) in n % 2 }
            Map { (keyed: Keyed<Int, Int>) in keyed.value }.parallelism(2)
            FanOut {
                Sink.collect(into: collector)
                Flow("big") { Filter { (n: Int) in n > 2 }; Sink.collect(into: Collector<Int>()) }
            }
        }
        let dot = pipeline.dot()
        #expect(dot.hasPrefix("digraph \"graph\" {"))
        #expect(dot.contains("subgraph cluster_"))
        #expect(dot.contains("label=\"left\""))
        #expect(dot.contains("label=\"by key\""))
        #expect(dot.hasSuffix("}"))
        #expect(pipeline.graph.nodes.count == 8)
        #expect(pipeline.validate().isEmpty)
    }

    @Test func mergedBranchesAllFeedTheNextStage() {
        let pipeline = Pipeline("merge") {
            Merge {
                Source.collection([1])
                Source.collection([2])
                Source.collection([3])
            }
            Sink.collect(into: collector)
        }
        let sink = pipeline.graph.nodes.last!
        #expect(sink.kind == .sink)
        #expect(sink.inputs.count == 3)
    }

    @Test func defaultNamesAreMadeUnique() {
        let pipeline = Pipeline("names") {
            Source.collection([1])
            Map { (n: Int) in n }
            Map { (n: Int) in n }
            Sink.collect(into: collector)
        }
        #expect(pipeline.graph.nodes.map(\.name) == ["collection", "map", "map#2", "collect"])
    }

    @Test func validationReportsEveryProblemAtOnce() {
        let pipeline = Pipeline("bad") {
            Source.collection([1]).parallelism(2)
            Map { (n: Int) in n }.named("same").parallelism(0)
            Map { (n: Int) in n }.named("same")
            Sink.jsonLines("/tmp/never-written.jsonl", of: Int.self).parallelism(3)
        }
        let problems = pipeline.validate()
        #expect(problems.contains { $0.contains("stage name 'same' is used by 2 stages") })
        #expect(problems.contains { $0.contains("parallelism must be at least 1") })
        #expect(problems.contains { $0.contains("this source reads as one instance") })
        #expect(problems.contains { $0.contains("supports at most 1 instance") })
        #expect(problems.count == 4)
    }

    @Test func deadLetterSinkWithoutDeadLetteringStageIsReported() {
        let pipeline = Pipeline("dl") {
            Source.collection([1])
            Sink.collect(into: collector)
        }.deadLetters(to: Sink.collect(into: Collector<DeadLetter>()))
        #expect(pipeline.validate().contains { $0.contains("no stage uses .onError(.deadLetter)") })
    }
}

/// A composite component wired by hand, wrongly: it feeds a `String` stage from an `Int` one.
struct MiswiredComponent: PipelineComponent {
    typealias Input = Never
    typealias Output = Never
    func addNodes(to graph: inout GraphBuilder, after upstream: [NodeID]) -> [NodeID] {
        let numbers = Source.collection([1, 2]).addNodes(to: &graph, after: [])
        return Sink.collect(into: Collector<String>()).addNodes(to: &graph, after: numbers)
    }
}

@Suite struct PortTypeValidationTests {
    @Test func aHandWiredTypeMismatchIsReportedBeforeRunning() async throws {
        let pipeline = Pipeline("miswired") { MiswiredComponent() }
        #expect(pipeline.validate() == ["stage 'collect' takes String but 'collection' produces Int"])
        await #expect(throws: PipelineRunError.self) { _ = try await pipeline.run() }
    }
}

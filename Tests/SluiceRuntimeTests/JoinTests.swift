import Testing
import Sluice
import SluiceTesting

struct Purchase: Sendable, Equatable { var customer: String; var item: String; var ms: Int64 }
struct Customer: Sendable, Equatable { var id: String; var name: String }
struct Click: Sendable, Equatable { var user: String; var ms: Int64 }

func describe<R>(_ result: Joined<String, Purchase, R>, _ name: (R) -> String) -> String {
    "\(result.key):\(result.left.item)→\(result.right.map(name) ?? "nil")"
}

@Suite struct JoinTests {
    let purchases = [Purchase(customer: "c1", item: "book", ms: 1), Purchase(customer: "c2", item: "pen", ms: 2),
                     Purchase(customer: "c9", item: "cup", ms: 3), Purchase(customer: "c1", item: "ink", ms: 4)]
    let customers = [Customer(id: "c1", name: "Ann"), Customer(id: "c2", name: "Bo"), Customer(id: "c1", name: "Ann (work)")]

    func hashJoin(_ kind: JoinKind, parallelism: Int) async throws -> [String] {
        let out = Collector<Joined<String, Purchase, Customer>>()
        let customers = customers
        _ = try await Pipeline("hash join") {
            Source.collection(purchases)
            KeyBy(\Purchase.customer).join(Flow("customers") {
                Source.collection(customers)
                KeyBy(\Customer.id)
            }, kind: kind).parallelism(parallelism)
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: 1))
        return out.elements.map { describe($0, \.name) }.sorted()
    }

    @Test func hashJoinMatchesEveryRowWithTheKey() async throws {
        #expect(try await hashJoin(.inner, parallelism: 1)
                == ["c1:book→Ann", "c1:book→Ann (work)", "c1:ink→Ann", "c1:ink→Ann (work)", "c2:pen→Bo"])
        #expect(try await hashJoin(.left, parallelism: 1)
                == ["c1:book→Ann", "c1:book→Ann (work)", "c1:ink→Ann", "c1:ink→Ann (work)", "c2:pen→Bo", "c9:cup→nil"])
        #expect(try await hashJoin(.left, parallelism: 3) == hashJoin(.left, parallelism: 1))
    }

    @Test func enrichmentUsesTheLatestRowOfAChangelog() async throws {
        let out = Collector<Joined<String, Purchase, Customer>>()
        let customers = customers
        let report = try await Pipeline("enrich") {
            Source.collection(purchases)
            KeyBy(\Purchase.customer).enrich(with: Flow {
                Source.collection(customers)
                KeyBy(\Customer.id)
            }).named("add customer")
            Sink.collect(into: out)
        }.run()
        #expect(out.elements.map { describe($0, \.name) }.sorted() == ["c1:book→Ann (work)", "c1:ink→Ann (work)", "c2:pen→Bo", "c9:cup→nil"])
        #expect(report[stage: "add customer"]?.recordsIn == 7, "four purchases and three table rows")
    }

    @Test func windowJoinPairsElementsOfTheSameKeyAndWindow() async throws {
        let out = Collector<Joined<String, Purchase, Click>>()
        let clicks = [Click(user: "c1", ms: 5), Click(user: "c1", ms: 15), Click(user: "c2", ms: 30)]
        let purchases = [Purchase(customer: "c1", item: "a", ms: 8), Purchase(customer: "c1", item: "b", ms: 12),
                         Purchase(customer: "c2", item: "c", ms: 21), Purchase(customer: "c1", item: "late", ms: 1)]
        let report = try await Pipeline("window join") {
            Source.collection(purchases).eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.ms) }
            KeyBy(\Purchase.customer).windowJoin(Flow {
                Source.collection(clicks).eventTime(maxOutOfOrderness: .zero) { Timestamp(millisecondsSinceEpoch: $0.ms) }
                KeyBy(\Click.user)
            }, window: .milliseconds(10), kind: .left,
               leftTime: { Timestamp(millisecondsSinceEpoch: $0.ms) }, rightTime: { Timestamp(millisecondsSinceEpoch: $0.ms) })
            Sink.collect(into: out)
        }.run(options: RunOptions(chunkSize: 4))
        let pairs = out.elements.map { "\($0.key):\($0.left.item)→\($0.right.map { String($0.ms) } ?? "nil")" }.sorted()
        // "late" (at 1 ms) arrives after the purchases' own watermark has passed 12 ms: its
        // window [0, 10) may already be closed, in which case it is a dead letter.
        let lateKept = pairs.contains("c1:late→5")
        #expect(pairs.filter { !$0.contains("late") } == ["c1:a→5", "c1:b→15", "c2:c→nil"])
        #expect(lateKept || report.deadLetters.contains { $0.error.contains("join window has closed") })
    }

    @Test func anElementBehindAClosedJoinWindowIsDeadLetteredNotDropped() throws {
        let stage = WindowJoin<String, Purchase, Click, Joined<String, Purchase, Click>>(
            right: Flow { Source.collection([Click]()); KeyBy(\Click.user) }, size: .milliseconds(10), sides: JoinKind.inner.sides,
            leftTime: { Timestamp(millisecondsSinceEpoch: $0.ms) }, rightTime: { Timestamp(millisecondsSinceEpoch: $0.ms) })
        var join = try stage.makeOperator(StageContext(stageName: "join"))
        var output = Emitter<Joined<String, Purchase, Click>>(failures: RecordFailures(stage: "join", policy: .fail))
        join.processRight(Keyed(key: "c1", value: Click(user: "c1", ms: 5)), into: &output)
        join.processLeft(Keyed(key: "c1", value: Purchase(customer: "c1", item: "a", ms: 8)), into: &output)
        join.onWatermark(Timestamp(millisecondsSinceEpoch: 10), into: &output)
        #expect(output.takeElements().map(\.left.item) == ["a"])
        join.processLeft(Keyed(key: "c1", value: Purchase(customer: "c1", item: "late", ms: 9)), into: &output)
        #expect(output.takeElements().isEmpty)
        #expect(output.failures.deadLetters.map(\.error) == ["late event: event time 9 ms is behind the watermark 10 ms; its join window has closed"])
    }

    @Test func aParallelJoinNeedsBothSidesKeyed() {
        let pipeline = Pipeline("unkeyed right") {
            Source.collection([Purchase(customer: "c1", item: "a", ms: 1)])
            KeyBy(\Purchase.customer).join(Flow {
                Source.collection([Customer(id: "c1", name: "Ann")])
                Map { (customer: Customer) in Keyed(key: customer.id, value: customer) }
            }).parallelism(2)
            Sink.collect(into: Collector<Joined<String, Purchase, Customer>>())
        }
        #expect(pipeline.validate() == ["stage 'join' runs 2 instances but its input 'map' is not keyed; put a KeyBy before each side"])
    }
}

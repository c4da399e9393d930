import Foundation
import Sluice
import SluiceTesting
import Synchronization
import Testing

/// An exchange held in memory: what a cluster's broker does, for testing how a pipeline is
/// divided without one.
final class MemoryExchange: ExchangeTransport {
    let partitions: Int
    /// Per exchange and partition, the encoded elements in the order published.
    private let published = Mutex<[[Int]: [Data]]>([:])
    init(partitions: Int) { self.partitions = partitions }

    func messages(_ partition: Int, exchange: Int = 0) -> [Data] { published.withLock { $0[[exchange, partition]] ?? [] } }
    func publish(_ data: Data, exchange: Int, partition: Int) { published.withLock { $0[[exchange, partition], default: []].append(data) } }

    struct Publisher<Element: Codable & Sendable>: SinkStage {
        var settings = StageSettings()
        let exchange: MemoryExchange
        let index: Int
        let keyHash: @Sendable (Element) -> UInt64
        var defaultName: String { "memory-exchange" }
        func makeWriter(_ context: StageContext) -> Writer { Writer(stage: self) }
        struct Writer: SinkWriter {
            let stage: Publisher
            mutating func write(_ elements: [Element], failures: inout RecordFailures) throws {
                for element in elements {
                    stage.exchange.publish(try JSONEncoder().encode(element), exchange: stage.index,
                                           partition: Int(stage.keyHash(element) % UInt64(stage.exchange.partitions)))
                }
            }
        }
    }

    struct Reader<Element: Codable & Sendable>: SourceStage {
        var settings = StageSettings()
        let exchange: MemoryExchange
        let index: Int
        var defaultName: String { "memory-exchange" }
        func makeReader(_ context: StageContext) throws -> SequenceSource<[Element]>.Reader {
            let elements = try exchange.messages(context.partition ?? 0, exchange: index).map { try JSONDecoder().decode(Element.self, from: $0) }
            return Source.collection(elements).makeReader(context)
        }
    }

    func sink<Element: Codable & Sendable>(for exchange: Exchange, of type: Element.Type,
                                           keyHash: @escaping @Sendable (Element) -> UInt64) -> any SinkStage<Element> {
        Publisher(exchange: self, index: exchange.index, keyHash: keyHash)
    }

    func source<Element: Codable & Sendable>(for exchange: Exchange, of type: Element.Type) -> any SourceStage<Element> {
        Reader(exchange: self, index: exchange.index)
    }

    /// Runs `segments` one after the other: the first once, every later one for each partition.
    func run(_ segments: PipelineSegments) async throws {
        _ = try await segments.pipelines[0].run()
        for segment in segments.pipelines.dropFirst() {
            for partition in 0..<partitions {
                var options = RunOptions()
                options.partition = partition
                _ = try await segment.run(options: options)
            }
        }
    }
}

struct ShopSale: Codable, Sendable, Hashable {
    var shop: Int
    var region: String
    var amount: Int
}

struct RegionSum: Codable, Sendable, Hashable {
    var region: String
    var amount: Int
}

struct BucketCount: Codable, Sendable, Hashable, Comparable {
    var bucket: Int
    var count: Int
    static func < (lhs: BucketCount, rhs: BucketCount) -> Bool { (lhs.bucket, lhs.count) < (rhs.bucket, rhs.count) }
}

struct CountPerBucket: KeyedProcessFunction {
    func initialState(for bucket: Int) -> Int { 0 }
    func process(_ sum: RegionSum, key bucket: Int, state count: inout Int, context: inout KeyedContext,
                 into output: inout Emitter<BucketCount>) {
        count += 1
        output.emit(BucketCount(bucket: bucket, count: count))
    }
}

struct RegionTotal: KeyedProcessFunction {
    func initialState(for region: String) -> Int { 0 }
    func process(_ sale: ShopSale, key region: String, state total: inout Int, context: inout KeyedContext,
                 into output: inout Emitter<RegionSum>) {
        total += sale.amount
        output.emit(RegionSum(region: region, amount: total))
    }
}

@Suite struct PipelineSegmentsTests {
    let sales = (0..<200).map { ShopSale(shop: $0 % 9, region: ["north", "south", "east", "west", "ünïcode"][$0 % 5], amount: $0) }

    func pipeline(_ out: Collector<RegionSum>) -> Pipeline {
        let sales = sales
        return Pipeline("sales") {
            Source.collection(sales)
            Filter { (sale: ShopSale) in sale.amount % 3 != 0 }
            KeyBy(\ShopSale.region).process(RegionTotal()).parallelism(2)
            Sink.collect(into: out)
        }
    }

    @Test func aRepartitioningKeyByDividesThePipelineAndTheSegmentsTogetherGiveTheSameResult() async throws {
        let single = Collector<RegionSum>()
        _ = try await pipeline(single).run()
        let divided = Collector<RegionSum>()
        let transport = MemoryExchange(partitions: 3)
        let segments = try pipeline(divided).segments(transport: transport)
        #expect(segments.pipelines.count == 2)
        #expect(segments.exchanges == [Exchange(index: 0, stage: "keyBy", producingSegment: 0)])
        #expect(segments.pipelines[0].graph.nodes.map(\.name) == ["collection", "filter", "keyBy", "keyBy to exchange"])
        #expect(segments.pipelines[1].graph.nodes.map(\.name) == ["keyBy from exchange", "process", "collect"])
        try await transport.run(segments)
        #expect(Set(divided.elements) == Set(single.elements))
        #expect(divided.elements.count == single.elements.count)
        // Each region lives in exactly one partition, chosen by a hash every process agrees on.
        let regions = (0..<3).map { partition in
            Set(transport.messages(partition).map { try! JSONDecoder().decode(Keyed<String, ShopSale>.self, from: $0).key })
        }
        #expect(regions.reduce(0) { $0 + $1.count } == 5)
    }

    @Test func twoRepartitioningKeyBysMakeThreeSegments() async throws {
        let sales = sales
        func pipeline(_ out: Collector<BucketCount>) -> Pipeline {
            Pipeline("two exchanges") {
                Source.collection(sales)
                KeyBy(\ShopSale.region).process(RegionTotal())
                KeyBy { (sum: RegionSum) in sum.amount % 4 }.process(CountPerBucket())
                Sink.collect(into: out)
            }
        }
        let single = Collector<BucketCount>(), divided = Collector<BucketCount>()
        _ = try await pipeline(single).run()
        let transport = MemoryExchange(partitions: 3)
        let segments = try pipeline(divided).segments(transport: transport)
        #expect(segments.pipelines.map { $0.graph.nodes.map(\.name) } == [
            ["collection", "keyBy", "keyBy to exchange"],
            ["keyBy from exchange", "process", "keyBy#2", "keyBy#2 to exchange"],
            ["keyBy#2 from exchange", "process#2", "collect"],
        ])
        #expect(segments.exchanges.map(\.producingSegment) == [0, 1])
        try await transport.run(segments)
        // Each bucket's running counts are 1…n whichever order its elements arrived in.
        #expect(divided.elements.sorted() == single.elements.sorted())
        #expect(divided.elements.count == 200)
    }

    @Test func aBranchThatRepartitionsLeavesTheOtherBranchesInTheFirstSegment() async throws {
        let sales = sales
        let input = DataStream("sales") { Source.collection(sales) }
        let all = Collector<ShopSale>(), totals = Collector<RegionSum>()
        let pipeline = Pipeline("branches") {
            Flow("everything") { input; Sink.collect(into: all).named("all") }
            Flow("per region") { input; KeyBy(\ShopSale.region).process(RegionTotal()); Sink.collect(into: totals).named("totals") }
        }
        let transport = MemoryExchange(partitions: 2)
        let segments = try pipeline.segments(transport: transport)
        #expect(segments.pipelines.map { $0.graph.nodes.map(\.name) } == [
            ["collection", "all", "keyBy", "keyBy to exchange"],
            ["keyBy from exchange", "process", "totals"],
        ])
        try await transport.run(segments)
        #expect(all.elements.count == 200)
        #expect(totals.elements.count == 200)
        #expect(Set(totals.elements.filter { $0.region == "north" }.map(\.amount)).max() == sales.filter { $0.region == "north" }.reduce(0) { $0 + $1.amount })
    }

    @Test func aKeyByOnTheInputsPartitioningStaysInOneSegment() throws {
        let sales = sales
        let pipeline = Pipeline("aligned") {
            Source.collection(sales)
            KeyBy(\ShopSale.region).sameAsInputPartitioning().process(RegionTotal())
            Sink.collect(into: Collector<RegionSum>())
        }
        let segments = try pipeline.segments(transport: MemoryExchange(partitions: 2))
        #expect(segments.pipelines.count == 1)
        #expect(segments.exchanges.isEmpty)
    }

    @Test func stableKeyHashesAreFixedValues() {
        // FNV-1a 64 of the UTF-8 text and of the little-endian integer: the same in every process.
        #expect(StableKeyHash.of("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableKeyHash.of("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableKeyHash.of(1) == StableKeyHash.of(Int64(1)))
        #expect(StableKeyHash.of(ShopSale(shop: 1, region: "x", amount: 2)) == StableKeyHash.of(ShopSale(shop: 1, region: "x", amount: 2)))
    }

    @Test func aKeyThatCannotCrossProcessesIsAClearError() throws {
        struct Opaque: Hashable, Sendable { var id: Int }
        let pipeline = Pipeline("opaque") {
            Source.collection([1, 2, 3])
            KeyBy { (n: Int) in Opaque(id: n) }
            Sink.collect(into: Collector<Keyed<Opaque, Int>>())
        }
        #expect(throws: (any Error).self) { try pipeline.segments(transport: MemoryExchange(partitions: 2)) }
        do {
            _ = try pipeline.segments(transport: MemoryExchange(partitions: 2))
        } catch {
            #expect("\(error)".contains("KeyBy 'keyBy' repartitions across processes"))
            #expect("\(error)".contains("must be Codable"))
        }
    }

    @Test func aStageReadingBothSidesOfAnExchangeIsRefused() throws {
        let sales = sales
        let input = DataStream("sales") { Source.collection(sales) }
        let keyed = input.through("keyed") { KeyBy(\ShopSale.region); Map { (k: Keyed<String, ShopSale>) in k.value } }
        let pipeline = Pipeline("both-sides") {
            Merge {
                Flow("direct") { input }
                Flow("repartitioned") { keyed }
            }
            Sink.collect(into: Collector<ShopSale>())
        }
        do {
            _ = try pipeline.segments(transport: MemoryExchange(partitions: 2))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("reads stages on both sides of a repartitioning KeyBy"))
        }
    }
}

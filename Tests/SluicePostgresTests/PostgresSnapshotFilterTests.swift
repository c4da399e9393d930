import Foundation
import Testing
@testable import SluicePostgres

/// The filter that keeps a stream from delivering again what a resumed snapshot read: which
/// transactions the snapshot saw, which keys it read, and the key order the SQL query uses.
@Suite struct PostgresSnapshotFilterTests {
    static let integerKey = PostgresSnapshotKey(columns: [.init(name: "id", isInteger: true)])

    static func filter(after: [String]?, key: PostgresSnapshotKey = integerKey, xmin: UInt64 = 100, xmax: UInt64 = 110,
                       inProgress: [UInt64] = [103, 107], until: PostgresLSN = PostgresLSN(5_000)) -> PostgresSnapshotFilter {
        PostgresSnapshotFilter(table: "public.t", key: key, after: after, xmin: xmin, xmax: xmax, inProgress: inProgress, until: until)
    }

    @Test func aTransactionIsSeenWhenItCommittedBeforeTheSnapshotAsTheServerDecides() {
        let filter = Self.filter(after: nil)
        let early = PostgresLSN(1_000)
        #expect(filter.sees(transaction: 90, committedAt: early))       // older than every running one
        #expect(filter.sees(transaction: 105, committedAt: early))      // between, and not running
        #expect(!filter.sees(transaction: 103, committedAt: early))     // running when it was taken
        #expect(!filter.sees(transaction: 110, committedAt: early))     // not yet assigned
        #expect(!filter.sees(transaction: 90, committedAt: PostgresLSN(5_000)))   // past the position after it
    }

    @Test func transactionIDsAreWidenedAcrossTheWraparound() {
        let epoch: UInt64 = 1 << 32
        let filter = Self.filter(after: nil, xmin: epoch - 5, xmax: epoch + 3, inProgress: [epoch + 1])
        #expect(filter.sees(transaction: UInt32.max - 10, committedAt: .zero))   // epoch 0, before xmin
        #expect(filter.sees(transaction: UInt32.max - 2, committedAt: .zero))    // epoch 0, between
        #expect(filter.sees(transaction: 0, committedAt: .zero))                 // epoch 1, between
        #expect(!filter.sees(transaction: 1, committedAt: .zero))                // running
        #expect(!filter.sees(transaction: 3, committedAt: .zero))                // not yet assigned
    }

    @Test func keysAfterTheLastDeliveredAreCoveredInTheQuerysOrder() {
        #expect(Self.filter(after: nil).covers(key: ["-5"]))
        let integers = Self.filter(after: ["9"])
        #expect(integers.covers(key: ["10"]) && integers.covers(key: ["100"]))   // as numbers, not text
        #expect(!integers.covers(key: ["9"]) && !integers.covers(key: ["-10"]))
        let composite = PostgresSnapshotKey(columns: [.init(name: "region", isInteger: false), .init(name: "n", isInteger: true)])
        let texts = Self.filter(after: ["Zürich", "2"], key: composite)
        #expect(texts.covers(key: ["Zürich", "3"]) && texts.covers(key: ["a", "0"]))   // 'a' sorts after 'Z' in bytes
        #expect(!texts.covers(key: ["Zürich", "2"]) && !texts.covers(key: ["Zurich", "9"]))
        #expect(texts.covers(key: ["Zürich2", "0"]))
        // Bytes, not Swift's Unicode order: a precomposed ü (C3 BC) sorts after u + combining mark (75 CC 88).
        #expect(Self.filter(after: ["u\u{308}"], key: PostgresSnapshotKey(columns: [.init(name: "k", isInteger: false)])).covers(key: ["\u{FC}"]))
    }

    @Test func theQueryOrdersAndResumesByTheSameExpressions() {
        let composite = PostgresSnapshotKey(columns: [.init(name: "region", isInteger: false), .init(name: "n", isInteger: true)])
        #expect(composite.orderBy == "(\"region\"::text COLLATE \"C\"), \"n\"")
        #expect(composite.rows(after: ["O'Hare", "7"]) == "((\"region\"::text COLLATE \"C\"), \"n\") > ('O''Hare', '7'::int8)")
    }

    @Test func theServersSnapshotTextIsRead() {
        #expect(PostgresSnapshotFilter.parseSnapshot("740:745:740,742").map { [$0.xmin, $0.xmax] + $0.inProgress } == [740, 745, 740, 742])
        #expect(PostgresSnapshotFilter.parseSnapshot("10:10:").map { $0.inProgress } == [])
        #expect(PostgresSnapshotFilter.parseSnapshot("10:x:") == nil)
    }
}

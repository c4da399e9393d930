import Foundation
import Testing
import Sluice
import SluiceTesting

struct CanonicalCustomer: Codable, Sendable, Equatable {
    var customerId: String
    var email: String?
    var age: Int?
    var country: String
    var joined: Date?
    var adult: Bool?
}

@Suite struct MappingTests {
    let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy"])
    var mapping: FieldMapping {
        let cleanEmail: @Sendable (Value) -> Value? = { value in
            guard let text = value.text, let email = Standardise.email(text) else { return nil }
            return .string(email)
        }
        let adult: @Sendable (Record) -> Value? = { record in
            guard case .int(let age)? = record["age"] else { return nil }
            return .bool(age >= 18)
        }
        let targets: [FieldMapping.Target] = [
            .field("customerId", from: ["CustomerID", "UserNumber"], as: .text),
            .field("email", from: ["Email", "mail"], default: .null, transform: cleanEmail),
            .field("age", from: ["Age"], as: .integer, default: .null),
            .field("country", from: ["Country"], default: .string("GB")),
            .field("joined", from: ["Joined", "signup_date"], as: .date(dates), default: .null),
            .derived("adult", as: .boolean, adult),
        ]
        return FieldMapping(targets, unmapped: .reject)
    }

    @Test func aRecordRejectedAfterItsSourceIsStillNamedByFileAndLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let csv = try directory.write("CustomerID,Age\r\nc1,42\r\n\"c\r\n2\",forty\r\nc3,7\r\n", to: "a.csv")
        let jsonl = try directory.write(#"{"UserNumber":"u1","Age":30}"# + "\n\n" + #"{"Age":31}"# + "\n", to: "b.jsonl")
        let json = try directory.write("{\"people\": [\n  {\"UserNumber\": \"u2\"},\n  {\"UserNumber\": \"u3\", \"Age\": \"old\"}\n]}", to: "c.json")
        let records = try await SourceHarness.readAll(Source.csv(csv)).elements
        #expect(records.map { $0.origin?.line } == [2, 3, 5], "the line each record starts on")
        #expect(records.allSatisfy { $0.origin?.origin == csv })
        #expect(records[0] == Record([("CustomerID", .string("c1")), ("Age", .string("42"))]), "the origin is not part of the value")
        let mapping = FieldMapping([.field("customerId", from: ["CustomerID", "UserNumber"]), .field("age", from: ["Age"], as: .integer, default: .null)])
        struct Mapped: Codable, Sendable { var customerId: String; var age: Int? }
        let letters = Collector<DeadLetter>()
        let adults = Collector<Mapped>()
        _ = try await Pipeline("located") {
            Merge {
                Source.csv(csv)
                Source.jsonLines(jsonl)
                Source.json(json, records: "people")
            }
            MapRecords(mapping, as: Mapped.self).onError(.deadLetter)
            Sink.collect(into: adults)
        }.deadLetters(to: Sink.collect(into: letters)).run()
        #expect(adults.elements.count == 4)
        let located = Set(letters.elements.map { "\($0.location.map { "\(URL(fileURLWithPath: $0.origin).lastPathComponent):\($0.line ?? 0)" } ?? "-") \($0.error)" })
        #expect(located == ["a.csv:3 field 'age': Age value \"forty\" cannot be converted to an integer",
                            "b.jsonl:3 field 'customerId': required, but none of CustomerID, UserNumber has a value",
                            "c.json:3 field 'age': Age value \"old\" cannot be converted to an integer"])
        // Validation of records names them the same way.
        let rejected = Collector<DeadLetter>()
        _ = try await Pipeline("validated") {
            Source.csv(csv)
            Validate<Record>([.range("adult", 18...150) { $0["Age"]?.text.flatMap { Int($0) } }])
            Sink.collect(into: Collector<Record>())
        }.deadLetters(to: Sink.collect(into: rejected)).run()
        #expect(rejected.elements.map { $0.location?.line } == [5])
    }

    @Test func aWholeNumberBeyondInt64IsNeitherRoundedNorClamped() throws {
        let exact = Value.decimal(Decimal(string: "9223372036854775809")!)
        let decimal = FieldMapping([.field("n", from: ["n"], as: .decimal)])
        #expect(try decimal.apply(Record([("n", exact)]))["n"] == exact)
        let integer = FieldMapping([.field("n", from: ["n"], as: .integer)])
        #expect(throws: MappingError.self) { try integer.apply(Record([("n", exact)])) }
    }

    @Test func nestedSourceFieldsAreReadByDottedPath() throws {
        let mapping = FieldMapping([
            .field("postcode", from: ["postcode", "address.postcode"]),
            .field("city", from: ["address.city"], default: .null),
            .field("id", from: ["user_id"]),
        ], unmapped: .reject)
        let nested = Record([("user_id", .string("u1")),
                             ("address", .record(Record([("postcode", .string("SW1A 1AA")), ("city", .string("London"))])))])
        let mapped = try mapping.apply(nested)
        #expect(mapped["postcode"] == .string("SW1A 1AA"))
        #expect(mapped["city"] == .string("London"))
        // A field literally named with a dot wins; a missing step is a missing value.
        let flat = try mapping.apply(Record([("user_id", .string("u2")), ("address.postcode", .string("N1 9GU")), ("address", .string("n/a"))]))
        #expect(flat["postcode"] == .string("N1 9GU"))
        #expect(flat["city"] == .null)
        #expect(throws: MappingError.self) { try mapping.apply(Record([("user_id", .string("u3")), ("address", .record(Record()))])) }
    }

    @Test func recordsComeFromCSVAsTextAndFromJSONWithTheirTypes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let csv = try directory.write("CustomerID,Age,Zip\nc1,42,00123\nc2,,\n", to: "a.csv")
        let json = try directory.write(#"{"UserNumber":7,"Age":30.5,"tags":["a",1],"address":{"city":"Oslo","zip":null},"vip":true}"#, to: "b.jsonl")
        let fromCSV = try await SourceHarness.readAll(Source.csv(csv)).elements
        #expect(fromCSV[0] == Record([("CustomerID", .string("c1")), ("Age", .string("42")), ("Zip", .string("00123"))]))
        #expect(fromCSV[1]["Age"]?.isNull == true)
        let fromJSON = try await SourceHarness.readAll(Source.jsonLines(json)).elements
        let record = try #require(fromJSON.first)
        #expect(record.names == ["UserNumber", "Age", "tags", "address", "vip"])
        #expect(record["UserNumber"] == .int(7))
        #expect(record["Age"] == .double(30.5))
        #expect(record["tags"] == .array([.string("a"), .int(1)]))
        #expect(record["address"] == .record(Record([("city", .string("Oslo")), ("zip", .null)])))
        #expect(record["vip"] == .bool(true))
        // And back out as JSON, in order.
        #expect(try JSONRecordEncoder().encode(record) == #"{"UserNumber":7,"Age":30.5,"tags":["a",1],"address":{"city":"Oslo","zip":null},"vip":true}"#)
    }

    @Test func twoSchemasMapToOneType() throws {
        let a = Record([("CustomerID", .string("c1")), ("Email", .string(" Ann@Example.com ")), ("Age", .string("42")),
                        ("Joined", .string("07/03/2021"))])
        let b = Record([("UserNumber", .int(7)), ("mail", .null), ("Country", .string("IE")), ("signup_date", .string("2020-01-31"))])
        let first = try mapping.apply(a).decode(as: CanonicalCustomer.self)
        #expect(first == CanonicalCustomer(customerId: "c1", email: "ann@example.com", age: 42, country: "GB",
                                           joined: Date(timeIntervalSince1970: 1_615_075_200), adult: true))
        let second = try mapping.apply(b).decode(as: CanonicalCustomer.self)
        #expect(second.customerId == "7" && second.email == nil && second.age == nil && second.country == "IE" && second.adult == nil)
    }

    @Test func badFieldsAreNamedWithTheReason() {
        func reason(_ record: Record) -> String? {
            do { _ = try mapping.apply(record); return nil } catch { return "\(error)" }
        }
        #expect(reason(Record([("Age", .string("3"))])) == "field 'customerId': required, but none of CustomerID, UserNumber has a value")
        #expect(reason(Record([("CustomerID", .string("c")), ("Age", .string("forty"))]))
                == "field 'age': Age value \"forty\" cannot be converted to an integer")
        #expect(reason(Record([("CustomerID", .string("c")), ("Email", .string("nope"))]))
                == "field 'email': Email value \"nope\" is rejected by the field's transformation")
        #expect(reason(Record([("CustomerID", .string("c")), ("Joined", .string("31/02/2021"))]))?.contains("cannot be converted to a date") == true)
        #expect(reason(Record([("CustomerID", .string("c")), ("Fax", .string("1"))])) == "field 'Fax': the source field 'Fax' is not mapped to any target")
    }

    @Test func theMappingPrintsAsATable() {
        let table = mapping.description
        #expect(table.hasPrefix("target"))
        #expect(table.contains("customerId  CustomerID | UserNumber"))
        #expect(table.contains("(required)"))
        #expect(table.contains("adult       (derived)"))
    }

    @Test func theStageDeadLettersWhatCannotBeMapped() async throws {
        let records = [Record([("CustomerID", .string("c1"))]), Record([("Age", .string("x"))])]
        let out = Collector<CanonicalCustomer>()
        let report = try await Pipeline("map") {
            Source.collection(records)
            MapRecords(mapping, as: CanonicalCustomer.self).onError(.deadLetter)
            Sink.collect(into: out)
        }.run()
        #expect(out.elements.map(\.customerId) == ["c1"])
        #expect(report.deadLetters.first?.error == "field 'customerId': required, but none of CustomerID, UserNumber has a value")
    }
}

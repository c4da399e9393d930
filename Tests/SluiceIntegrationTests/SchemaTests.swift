import Foundation
import Testing
import Sluice
import SluiceTesting

@Suite struct SchemaTests {
    @Test func inferenceWidensTypesAndMarksMissingFieldsNullable() {
        let records = [
            Record([("id", .int(1)), ("price", .int(3)), ("note", .null), ("when", .string("x"))]),
            Record([("id", .int(2)), ("price", .double(2.5)), ("note", .string("hi"))]),
            Record([("id", .int(3)), ("price", .int(4)), ("note", .string("")), ("tags", .array([]))]),
        ]
        let schema = Schema.infer(records)
        #expect(schema.description == "id: integer\nprice: decimal\nnote: text?\nwhen: text?\ntags: list?")
        #expect(Schema.FieldType.integer.widened(with: .text) == .text)
        #expect(Schema.FieldType.null.widened(with: .date) == .date)
        #expect(schema.changes(for: Record([("id", .string("x")), ("price", .int(1)), ("note", .null), ("when", .null), ("tags", .null)]))
                == [.typeChanged("id", from: .integer, to: .text)])
    }

    func run(_ lines: [String], policy: SchemaPolicy, schemaFile: String, in directory: TemporaryDirectory,
             report: SchemaReport) async throws -> (passed: [Record], dead: [DeadLetter]) {
        let input = try directory.write(lines.joined(separator: "\n"), to: "batch-\(UUID().uuidString).jsonl")
        let out = Collector<Record>()
        let result = try await Pipeline("schema") {
            Source.jsonLines(input)
            EnforceSchema(file: schemaFile, policy: policy, report: report).named("schema")
            Sink.collect(into: out)
        }.run()
        return (out.elements, result.deadLetters)
    }

    @Test func aLaterRunEvolvesTheSchemaFileOrRejectsByPolicy() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let schemaFile = directory.file("warehouse/events.schema.json")
        let report = SchemaReport()
        _ = try await run([#"{"id":1,"amount":10}"#, #"{"id":2,"amount":12}"#], policy: .evolve, schemaFile: schemaFile, in: directory, report: report)
        let first = try JSONDecoder().decode(Schema.self, from: Data(contentsOf: URL(fileURLWithPath: schemaFile)))
        #expect(first.description == "id: integer\namount: integer")

        let changed = [#"{"id":3,"amount":12.5,"coupon":"X1"}"#, #"{"id":4,"amount":1}"#]
        let rejected = try await run(changed, policy: .reject, schemaFile: schemaFile, in: directory, report: report)
        #expect(rejected.passed.map { $0["id"] } == [.int(4)])
        #expect(rejected.dead.first?.error.contains("field 'amount' changed from integer to decimal") == true)
        #expect(rejected.dead.first?.error.contains("new field 'coupon' (text)") == true)
        #expect(rejected.dead.first?.stage == "schema")

        let evolved = try await run(changed, policy: .evolve, schemaFile: schemaFile, in: directory, report: report)
        #expect(evolved.passed.count == 2 && evolved.dead.isEmpty)
        let second = try JSONDecoder().decode(Schema.self, from: Data(contentsOf: URL(fileURLWithPath: schemaFile)))
        #expect(second.description == "id: integer\namount: decimal\ncoupon: text?")
        #expect(report.changes["new field 'coupon' (text)"] == 2)
    }

    @Test func aDamagedSchemaFileIsNamed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let schemaFile = try directory.write("{ nope", to: "bad.schema.json")
        let error = await #expect(throws: PipelineRunError.self) {
            _ = try await run([#"{"id":1}"#], policy: .evolve, schemaFile: schemaFile, in: directory, report: SchemaReport())
        }
        #expect(error?.description.contains("the schema file \(schemaFile) cannot be read") == true)
    }
}

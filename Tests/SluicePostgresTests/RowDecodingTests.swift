import Foundation
import Sluice
import Testing
@testable import SluicePostgres

/// Rows decoded by column name into Swift types and into records, from a real server's
/// output for every supported type, and the errors for values that do not fit.
@Suite struct RowDecodingTests {
    struct Address: Codable, Equatable { var city: String; var zip: String }

    struct Everything: Decodable {
        var small: Int16, regular: Int32, big: Int64, real: Float, double: Double
        var exact: Decimal, approximate: Double, flag: Bool, name: String, code: String, letter: String
        var day: Date, stamp: Date, zoned: Date, clock: Duration, id: UUID, address: Address, document: Value
        var bytes: Data, numbers: [Int], words: [String?], missing: String?
    }

    static let everything = """
        SELECT 32767::int2 AS small, '-2147483648'::int4 AS regular, 9223372036854775807::int8 AS big,
               1.5::float4 AS real, 0.1::float8 AS double, 12345678901234567890.123456789::numeric AS exact,
               2.5::numeric AS approximate, true AS flag, 'Zoë 🚀'::text AS name, 'ab'::varchar(5) AS code,
               'x'::char(3) AS letter, '2026-03-01'::date AS day, '2026-03-01 10:20:30.123456'::timestamp AS stamp,
               '2026-03-01 12:00:00+02'::timestamptz AS zoned, '23:59:58.5'::time AS clock,
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, '{"city":"Zürich","zip":"8001"}'::json AS address,
               '{"b":[1,2.5,"x"],"a":null}'::jsonb AS document, '\\x00ff10'::bytea AS bytes, ARRAY[1,2,3] AS numbers,
               ARRAY['a,b', 'say "hi"', NULL, 'back\\slash', ''] AS words, NULL::text AS missing
        """

    func rows(_ sql: String, _ configuration: PostgresConfiguration) throws -> [PostgresRow] {
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        var all: [PostgresRow] = []
        try connection.query(sql) { all += $0 }
        return all
    }

    @Test func everySupportedTypeDecodesIntoItsSwiftType() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let row = try #require(try rows(Self.everything, configuration).first)
        let value = try row.decode(Everything.self)
        #expect(value.small == 32767 && value.regular == Int32.min && value.big == Int64.max)
        #expect(value.real == 1.5 && value.double == 0.1)
        #expect(value.exact == Decimal(string: "12345678901234567890.123456789") && value.approximate == 2.5)
        #expect(value.flag && value.name == "Zoë 🚀" && value.code == "ab" && value.letter == "x  ")
        #expect(value.day == Date(timeIntervalSince1970: 1_772_323_200))
        #expect(abs(value.stamp.timeIntervalSince1970 - 1_772_360_430.123456) < 0.000_001)
        #expect(value.zoned == Date(timeIntervalSince1970: 1_772_359_200))
        #expect(value.clock == .seconds(86_398) + .milliseconds(500))
        #expect(value.id == UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
        #expect(value.address == Address(city: "Zürich", zip: "8001"))
        #expect(value.document == .record(Record([("a", .null), ("b", .array([.int(1), .double(2.5), .string("x")]))])))
        #expect(value.bytes == Data([0, 255, 16]))
        #expect(value.numbers == [1, 2, 3])
        #expect(value.words == ["a,b", "say \"hi\"", nil, "back\\slash", ""])
        #expect(value.missing == nil)
    }

    @Test func aRowBecomesARecordTypedByItsColumns() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let record = try #require(try rows(Self.everything, configuration).first).record()
        #expect(record["big"] == .int(Int64.max))
        #expect(record["double"] == .double(0.1))
        #expect(record["exact"] == .decimal(Decimal(string: "12345678901234567890.123456789")!))
        #expect(record["flag"] == .bool(true))
        #expect(record["day"] == Value.day("2026-03-01"))
        #expect(record["stamp"] == .string("2026-03-01T10:20:30.123456Z"))
        #expect(record["zoned"] == .string("2026-03-01T10:00:00Z"))
        #expect(record["clock"] == .string("23:59:58.5"))
        #expect(record["address"] == .record(Record([("city", .string("Zürich")), ("zip", .string("8001"))])))
        #expect(record["numbers"] == .array([.int(1), .int(2), .int(3)]))
        #expect(record["words"] == .array([.string("a,b"), .string("say \"hi\""), .null, .string("back\\slash"), .string("")]))
        #expect(record["missing"] == .null)
        #expect(record.names.count == 22)
    }

    struct Wanted: Decodable { var id: Int; var total: Int16; var note: String }

    /// The error decoding the first row of `sql` into ``Wanted`` throws, as text.
    func decodingFailure(_ sql: String, _ configuration: PostgresConfiguration) throws -> String {
        guard let row = try rows(sql, configuration).first else { return "no row" }
        do {
            _ = try row.decode(Wanted.self)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func aValueThatDoesNotFitNamesTheColumnTheSQLTypeAndTheSwiftType() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        func failure(_ sql: String) throws -> String { try decodingFailure(sql, configuration) }
        #expect(try failure("SELECT 'seven'::text AS id, 1 AS total, 'n' AS note")
                == "column 'id' (text) does not fit Int: a text column cannot be read as Int")
        #expect(try failure("SELECT 1 AS id, 70000 AS total, 'n' AS note")
                == "column 'total' (integer) does not fit Int16: '70000' is outside -32768…32767")
        #expect(try failure("SELECT 1 AS id, 2 AS total, NULL::text AS note")
                == "column 'note' (text) does not fit String: the value is NULL; declare the property optional (String?) to accept NULL")
        #expect(try failure("SELECT 1 AS id, 2 AS total")
                == "column 'note': the result has no such column (it has id, total)")
        #expect(try failure("SELECT 1 AS id, 2 AS total, 'a' AS note, 3 AS id")
                == "column 'id': several columns have this name; rename them with AS")
        #expect(try failure("SELECT 1.5::numeric AS id, 2 AS total, 'n' AS note")
                == "column 'id' (numeric) does not fit Int: '1.5' is not a whole number within \(Int.min)…\(Int.max)")
        #expect(try failure("SELECT 1 AS id, 2 AS total, 5 AS note")
                == "column 'note' (integer) does not fit String: a integer column cannot be read as String")
    }

    @Test func numericKeepsEveryDigitOrSaysWhyItCannot() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        struct Amount: Decodable { var exact: Decimal }
        let sql = "SELECT v AS exact FROM (VALUES ('0.000000000000000000000000000001'::numeric), ('-99999999999999999999999999999999999999'), ('NaN')) AS t(v)"
        let decoded = try rows(sql, configuration).map { row in Result { try row.decode(Amount.self).exact } }
        #expect(try decoded[0].get() == Decimal(string: "0.000000000000000000000000000001"))
        #expect(try decoded[1].get() == Decimal(string: "-99999999999999999999999999999999999999"))
        #expect(throws: PostgresDecodingError.self) { try decoded[2].get() }
        let record = try rows(sql, configuration)[2].record()
        #expect(record["exact"] == .string("NaN"))
    }

    @Test func aOneColumnResultDecodesIntoASingleValue() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        #expect(try rows("SELECT count(*) FROM generate_series(1, 42)", configuration).first?.decode(Int.self) == 42)
        #expect(try rows("SELECT ARRAY['2026-01-02'::date, NULL]", configuration).first?.decode([Date?].self)
                == [Date(timeIntervalSince1970: 1_767_312_000), nil])
    }

    @Test func textFormatsParseAtTheirLimits() {
        #expect(PostgresText.int64(ArraySlice("-9223372036854775808".utf8)) == Int64.min)
        #expect(PostgresText.int64(ArraySlice("9223372036854775808".utf8)) == nil)
        #expect(PostgresText.int64(ArraySlice("".utf8)) == nil && PostgresText.int64(ArraySlice("-".utf8)) == nil)
        #expect(PostgresText.timestampMicroseconds(ArraySlice("1970-01-01 00:00:00+05:30".utf8)) == -19_800_000_000)
        #expect(PostgresText.timestampMicroseconds(ArraySlice("0001-01-01 00:00:00 BC".utf8))
                == Int64(CivilDate.daysSinceEpoch(year: 0, month: 1, day: 1)) * 86_400_000_000)
        #expect(PostgresText.timestampMicroseconds(ArraySlice("infinity".utf8)) == nil)
        #expect(PostgresText.date(ArraySlice("2024-02-30".utf8)) == nil)
        #expect(PostgresText.arrayElements(ArraySlice("{}".utf8))?.isEmpty == true)
        #expect(PostgresText.arrayElements(ArraySlice("[0:1]={7,8}".utf8)) == [Array("7".utf8), Array("8".utf8)])
        #expect(PostgresText.arrayElements(ArraySlice("{{1,2},{3,4}}".utf8)) == nil)
        #expect(PostgresText.arrayElements(ArraySlice("{\"NULL\",NULL}".utf8)) == [Array("NULL".utf8), nil])
        #expect(PostgresText.bytea(ArraySlice("\\xzz".utf8)) == nil)
        #expect(PostgresValue.iso8601(microseconds: -1) == "1969-12-31T23:59:59.999999Z")
    }
}

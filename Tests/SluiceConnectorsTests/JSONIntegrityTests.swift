import Foundation
import Testing
import Sluice
import SluiceTesting

/// JSON input that must never be silently changed: invalid strings anywhere in a value,
/// numbers out of range, a records path holding null.
@Suite struct JSONIntegrityTests {
    struct Ticket: Codable, Sendable, Equatable { var id: String }
    struct Wide: Codable, Sendable { var n: Int64 }
    struct Unsigned: Codable, Sendable { var n: UInt64 }

    private func readRecords(_ bytes: [UInt8]) async throws -> SourceHarness.Result<Record> {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(bytes: bytes, to: "in.jsonl")
        return try await SourceHarness.readAll(Source.jsonLines(path).onError(.deadLetter))
    }

    @Test func aKeyWithAnInvalidEscapeRejectsTheRecordInsteadOfDroppingTheKey() async throws {
        let result = try await readRecords(Array(#"{"a":1,"\x":2}"#.utf8) + [0x0A] + Array(#"{"ok":1}"#.utf8) + [0x0A])
        #expect(result.elements == [Record([("ok", .int(1))])])
        #expect(result.deadLetters.count == 1)
        #expect(result.deadLetters[0].error.contains("invalid escape '\\x'"))
        #expect(result.deadLetters[0].rawInput == #"{"a":1,"\x":2}"#)
    }

    @Test func invalidUTF8AndLoneSurrogatesRejectTheRecordAndSaySo() async throws {
        let invalidUTF8: [UInt8] = Array(#"{"v":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        let escapeAndByte: [UInt8] = Array(#"{"\q":""#.utf8) + [0xFF] + Array(#""}"#.utf8)
        let loneLow = Array(#"{"v":"\uDC00"}"#.utf8)
        let loneHigh = Array(#"{"v":"\uD800x"}"#.utf8)
        let overlong: [UInt8] = Array(#"{"v":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)
        for (line, expected) in [(invalidUTF8, "invalid UTF-8"), (escapeAndByte, "invalid escape"),
                                 (loneLow, "lone low surrogate"), (loneHigh, "without its low surrogate"),
                                 (overlong, "invalid UTF-8")] {
            let result = try await readRecords(line + [0x0A])
            #expect(result.elements.isEmpty)
            #expect(result.deadLetters.count == 1)
            #expect(result.deadLetters.first?.error.contains(expected) == true, "\(result.deadLetters.first?.error ?? "")")
            #expect(result.deadLetters.first?.error.contains("no known kind") == false)
        }
        let valid = try await readRecords(Array(#"{"v":"\uD83D\uDE00 é \u00e9"}"#.utf8) + [0x0A])
        #expect(valid.elements.first?["v"] == .string("😀 é é"))
    }

    @Test func aDocumentWithAnInvalidStringInAnUnusedFieldIsRejected() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(bytes: Array(#"{"meta":"\q"#.utf8) + [0xFF] + Array(#"","tickets":[{"id":"T1"}]}"#.utf8), to: "t.json")
        let result = try await SourceHarness.readAll(Source.json(path, records: "tickets", as: Ticket.self).onError(.deadLetter))
        #expect(result.elements.isEmpty)
        #expect(result.deadLetters.count == 1)
        #expect(result.deadLetters.first?.error.contains("invalid escape '\\q'") == true)
    }

    @Test func aNullRecordsPathIsReportedNotReadAsEmpty() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(#"{"tickets": null}"#, to: "t.json")
        let result = try await SourceHarness.readAll(Source.json(path, records: "tickets", as: Ticket.self).onError(.deadLetter))
        #expect(result.deadLetters.count == 1)
        #expect(result.deadLetters.first?.error.contains("'tickets' is null, not a list of records") == true)
        let empty = try directory.write(#"{"tickets": []}"#, to: "e.json")
        let none = try await SourceHarness.readAll(Source.json(empty, records: "tickets", as: Ticket.self).onError(.deadLetter))
        #expect(none.elements.isEmpty && none.deadLetters.isEmpty)
    }

    @Test func integersOutOfRangeAreErrorsNotClampedOrRounded() throws {
        let decoder = JSONRecordDecoder()
        #expect(throws: DecodingError.self) { try decoder.decode(Wide.self, from: #"{"n":-9223372036854775809}"#) }
        #expect(throws: DecodingError.self) { try decoder.decode(Wide.self, from: #"{"n":9223372036854775808}"#) }
        #expect(throws: DecodingError.self) { try decoder.decode(Unsigned.self, from: #"{"n":18446744073709551616}"#) }
        #expect(throws: DecodingError.self) { try decoder.decode(Wide.self, from: #"{"n":1.5}"#) }
        #expect(try decoder.decode(Wide.self, from: #"{"n":-9223372036854775808}"#).n == .min)
        #expect(try decoder.decode(Unsigned.self, from: #"{"n":9223372036854775809}"#).n == 9_223_372_036_854_775_809)
        #expect(try decoder.decode(Unsigned.self, from: #"{"n":18446744073709551615}"#).n == .max)
        #expect(try decoder.decode(Wide.self, from: #"{"n":2.5e3}"#).n == 2500)
        #expect(try decoder.decode(Wide.self, from: #"{"n":-0}"#).n == 0)
        do {
            _ = try decoder.decode(Wide.self, from: #"{"n":-9223372036854775809}"#)
        } catch {
            #expect("\(error)".contains("-9223372036854775809 does not fit in Int64"))
        }
    }

    @Test func aRecordKeepsWholeNumbersBeyondInt64ExactlyAsDecimals() throws {
        let decoder = JSONRecordDecoder()
        let record = try decoder.decode(Record.self, from: #"{"small":-9223372036854775808,"low":-9223372036854775809,"high":18446744073709551616,"x":1e300,"f":0.5}"#)
        #expect(record["small"] == .int(.min))
        #expect(record["low"] == .decimal(Decimal(string: "-9223372036854775809")!))
        #expect(record["low"]?.text == "-9223372036854775809")
        #expect(record["high"]?.text == "18446744073709551616")
        #expect(record["f"] == .double(0.5))
        #expect(record["x"] == .double(1e300))
        #expect(throws: (any Error).self) { try decoder.decode(Record.self, from: #"{"x":1e400}"#) }
        // Typed decoding from the record keeps it exact too.
        struct Big: Decodable { var high: Decimal; var low: Decimal }
        #expect(try record.decode(as: Big.self).high == Decimal(string: "18446744073709551616")!)
        #expect(throws: (any Error).self) { try decoder.decode(Record.self, from: "{\"n\":\(String(repeating: "9", count: 60))}") }
        let encoded = try JSONRecordEncoder().encode(record)
        #expect(encoded.contains(#""low":-9223372036854775809"#))
    }

    @Test func aRecordWithManyKeysIsBuiltInLinearTime() throws {
        let keys = (0..<50_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let record = try JSONRecordDecoder().decode(Record.self, from: "{" + keys + ",\"k7\":-1}")
        #expect(record.fields.count == 50_000)
        #expect(record["k7"] == .int(-1))
        #expect(record["k49999"] == .int(49_999))
    }
}

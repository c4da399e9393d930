import Foundation
import SluiceConnectors
import SluiceCore

/// One field of an element on its way to a table: the text PostgreSQL reads for it, or a JSON
/// document (a nested value) that becomes JSON or an array literal once the column's type is
/// known.
enum PostgresFieldValue: Equatable {
    case null
    case text(String)
    case json(String)
}

/// Writes values in the forms PostgreSQL's text input reads, and rows in COPY's text format.
enum PostgresCopyText {
    /// `2026-03-01 10:00:00.123456+00`: readable by timestamptz, timestamp and date columns.
    static func timestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let iso = PostgresValue.iso8601(microseconds: micros)  // 2026-03-01T10:00:00.123456Z
        return iso.replacingOccurrences(of: "T", with: " ").dropLast() + "+00"
    }

    static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }

    static func duration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let whole = micros / 1_000_000
        let fraction = micros % 1_000_000
        var text = "\(two(whole / 3600)):\(two(whole / 60 % 60)):\(two(whole % 60))"
        if fraction != 0 {
            var digits = String(format: "%06lld", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    static func bytes(_ bytes: some Collection<UInt8>) -> String { "\\x" + bytes.map { String(format: "%02x", $0) }.joined() }

    /// A one-dimensional array literal of `elements` (`nil` for NULL), every element quoted.
    static func arrayLiteral(_ elements: [String?]) -> String {
        "{" + elements.map { element in
            guard let element else { return "NULL" }
            return "\"" + element.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }

    /// The array literal of a list field (given as JSON) for an array column.
    static func arrayLiteral(fromJSON json: String, column: String) throws -> String {
        guard case .array(let elements) = try JSONRecordDecoder().decode(Value.self, from: json) else {
            throw RecordError("the field '\(column)' is not a list, and its column is an array")
        }
        return arrayLiteral(try elements.map { element in
            switch element {
            case .null: return nil
            case .array, .record: throw RecordError("the field '\(column)' holds nested lists; its column is a one-dimensional array")
            default:
                guard case .text(let text) = try PostgresRowEncoder.field(ofValue: element) else { return nil }
                return text
            }
        })
    }

    /// Appends `text` to a COPY text-format line, escaping what the format reserves. Runs
    /// of ordinary bytes are copied whole: most text has nothing to escape.
    static func appendEscaped(_ text: String, to line: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var run = 0
            for index in bytes.indices {
                let escaped: UInt8
                switch bytes[index] {
                case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                default: continue
                }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                line.append(UInt8(ascii: "\\"))
                line.append(escaped)
                run = index + 1
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
    }
}

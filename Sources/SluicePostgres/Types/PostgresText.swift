import Foundation
import SluiceCore

/// Parsers for values in PostgreSQL's text format, as a session with `DateStyle=ISO`,
/// `TimeZone=UTC` and `bytea_output=hex` (what ``PostgresConnection`` sets) sends them. Each
/// returns `nil` for text that is not a value of its type; callers turn that into an error
/// naming the column.
enum PostgresText {
    static func bool(_ bytes: ArraySlice<UInt8>) -> Bool? {
        guard bytes.count == 1 else { return nil }
        switch bytes.first! {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// A decimal integer with an optional sign, `nil` beyond `Int64`.
    static func int64(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var index = bytes.startIndex
        guard index < bytes.endIndex else { return nil }
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
        guard index < bytes.endIndex else { return nil }
        // Accumulated negatively so that Int64.min parses.
        var value: Int64 = 0
        while index < bytes.endIndex {
            let digit = Int64(bytes[index]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = next
            index += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    static func double(_ bytes: ArraySlice<UInt8>) -> Double? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// A numeric exactly; `nil` for NaN, infinities and more digits than `Decimal` holds.
    static func decimal(_ bytes: ArraySlice<UInt8>) -> Decimal? {
        ExactDecimal.parse(String(decoding: bytes, as: UTF8.self))
    }

    /// `yyyy-mm-dd` with a year of four or more digits and an optional ` BC`, as seconds since 1970.
    static func date(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var scanner = Scanner(bytes)
        guard let days = scanner.civilDays(), scanner.atEnd else { return nil }
        return days * 86_400
    }

    /// `yyyy-mm-dd hh:mm:ss[.ffffff][+hh[:mm[:ss]]]` as microseconds since 1970 in UTC; a
    /// timestamp without a zone is read as UTC.
    static func timestampMicroseconds(_ bytes: ArraySlice<UInt8>) -> Int64? {
        // Years before 1 AD end the whole value: `0044-03-15 12:00:00+00 BC`.
        let beforeChrist = bytes.count > 3 && bytes.suffix(3).elementsEqual(" BC".utf8)
        var scanner = Scanner(beforeChrist ? bytes.dropLast(3) : bytes)
        guard let days = scanner.civilDays(beforeChrist: beforeChrist), scanner.take(UInt8(ascii: " ")), let time = scanner.timeOfDay() else { return nil }
        var micros = days * 86_400_000_000 + time
        if let sign = scanner.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            scanner.index += 1
            guard let hours = scanner.digits(2) else { return nil }
            var offset = hours * 3600
            if scanner.take(UInt8(ascii: ":")) { guard let minutes = scanner.digits(2) else { return nil }; offset += minutes * 60 }
            if scanner.take(UInt8(ascii: ":")) { guard let seconds = scanner.digits(2) else { return nil }; offset += seconds }
            micros -= (sign == UInt8(ascii: "+") ? 1 : -1) * offset * 1_000_000
        }
        return scanner.atEnd ? micros : nil
    }

    /// `hh:mm:ss[.ffffff]` as microseconds since midnight.
    static func timeMicroseconds(_ bytes: ArraySlice<UInt8>) -> Int64? {
        var scanner = Scanner(bytes)
        guard let time = scanner.timeOfDay(), scanner.atEnd else { return nil }
        return time
    }

    /// `\x` and hexadecimal digits.
    static func bytea(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        guard bytes.count >= 2, bytes.count % 2 == 0, bytes.first == UInt8(ascii: "\\"),
              bytes[bytes.startIndex + 1] == UInt8(ascii: "x") else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count / 2 - 1)
        var index = bytes.startIndex + 2
        while index < bytes.endIndex {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The elements of a one-dimensional array literal (`{1,2,NULL,"a \"b\""}`), each as its
    /// text or `nil` for NULL; `nil` when the text is not such a literal (several dimensions
    /// included).
    static func arrayElements(_ bytes: ArraySlice<UInt8>) -> [[UInt8]?]? {
        var index = bytes.startIndex
        // A lower bound other than 1 is written first: `[0:2]={…}`.
        if bytes.first == UInt8(ascii: "[") {
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return nil }
            index = equals + 1
        }
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        index += 1
        let end = bytes.endIndex - 1
        var elements: [[UInt8]?] = []
        if index == end { return elements }
        while true {
            guard index < end else { return nil }
            if bytes[index] == UInt8(ascii: "{") { return nil } // several dimensions
            var element: [UInt8] = []
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                while true {
                    guard index < end else { return nil }
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { index += 1; break }
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                        guard index < end else { return nil }
                    }
                    element.append(bytes[index])
                    index += 1
                }
                elements.append(element)
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    element.append(bytes[index])
                    index += 1
                }
                elements.append(element == Array("NULL".utf8) ? nil : element)
            }
            if index == end { return elements }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    /// Reads dates and times left to right.
    struct Scanner {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        var atEnd: Bool { index == bytes.endIndex }
        var peek: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// Exactly `count` digits.
        mutating func digits(_ count: Int) -> Int64? {
            guard bytes.endIndex - index >= count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let digit = Int64(bytes[index]) - 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
                index += 1
            }
            return value
        }

        /// `yyyy-mm-dd` (a year of 4 to 6 digits), with ` BC` when it follows the date or
        /// `beforeChrist` says it ended the value.
        mutating func civilDays(beforeChrist: Bool = false) -> Int64? {
            var year: Int64 = 0
            var yearDigits = 0
            while let byte = peek, byte >= 48, byte <= 57, yearDigits < 6 {
                year = year * 10 + Int64(byte - 48)
                yearDigits += 1
                index += 1
            }
            guard yearDigits >= 4, take(UInt8(ascii: "-")), let month = digits(2), take(UInt8(ascii: "-")),
                  let day = digits(2) else { return nil }
            let save = index
            if beforeChrist || (take(UInt8(ascii: " ")) && take(UInt8(ascii: "B")) && take(UInt8(ascii: "C"))) {
                year = 1 - year // 1 BC is year 0
            } else {
                index = save
            }
            guard (1...12).contains(month), day >= 1,
                  day <= CivilDate.daysIn(month: Int(month), year: Int(year)) else { return nil }
            return Int64(CivilDate.daysSinceEpoch(year: Int(year), month: Int(month), day: Int(day)))
        }

        /// `hh:mm:ss[.f…]` as microseconds; `24:00:00` is allowed, as PostgreSQL allows it.
        mutating func timeOfDay() -> Int64? {
            guard let hours = digits(2), take(UInt8(ascii: ":")), let minutes = digits(2), take(UInt8(ascii: ":")),
                  let seconds = digits(2), hours <= 24, minutes < 60, seconds < 60 else { return nil }
            var micros = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000
            if take(UInt8(ascii: ".")) {
                var scale: Int64 = 100_000
                var any = false
                while let byte = peek, byte >= 48, byte <= 57 {
                    guard scale > 0 else { return nil }
                    micros += Int64(byte - 48) * scale
                    scale /= 10
                    any = true
                    index += 1
                }
                guard any else { return nil }
            }
            return micros
        }
    }
}

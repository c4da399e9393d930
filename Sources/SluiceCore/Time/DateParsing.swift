import Foundation

/// Parses the date formats data files use: ISO 8601 / RFC 3339 timestamps and dates.
public enum DateParsing {
    /// `2026-11-21`, `2026-11-21T08:30:00Z`, `2026-11-21 08:30:00.123+01:00`, … ; a time
    /// without a zone is taken as UTC. `nil` when the text is not such a date.
    public static func iso8601(_ bytes: UnsafeRawBufferPointer) -> Date? {
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let digit = Int(bytes[index + offset]) - 48
                guard digit >= 0, digit < 10 else { return nil }
                value = value * 10 + digit
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2),
              expect(UInt8(ascii: "-")), let day = number(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0.0
        var offsetSeconds = 0
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") || bytes[index] == UInt8(ascii: " ") else { return nil }
            index += 1
            guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2),
                  hour < 24, minute < 60 else { return nil }
            var second = 0
            if expect(UInt8(ascii: ":")) {
                guard let value = number(2), value <= 60 else { return nil }
                second = value
            }
            seconds = Double(hour * 3600 + minute * 60 + second)
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                var scale = 0.1
                var sawDigit = false
                while index < bytes.count, case let digit = Int(bytes[index]) - 48, digit >= 0, digit < 10 {
                    seconds += Double(digit) * scale
                    scale /= 10
                    sawDigit = true
                    index += 1
                }
                guard sawDigit else { return nil }
            }
            if index < bytes.count {
                let sign = bytes[index]
                if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                    index += 1
                } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    index += 1
                    guard let hours = number(2) else { return nil }
                    _ = expect(UInt8(ascii: ":"))
                    guard let minutes = number(2) else { return nil }
                    offsetSeconds = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
                } else {
                    return nil
                }
            }
        }
        guard index == bytes.count else { return nil }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 - offsetSeconds) + seconds)
    }

    /// The same for text.
    public static func iso8601(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { iso8601(UnsafeRawBufferPointer($0)) }
    }
}

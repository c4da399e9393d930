import Foundation

/// Reads decimal text into a `Decimal` only when it keeps every digit: Foundation's
/// `Decimal(string:)` accepts a valid prefix of longer text and rounds past 38 digits, and
/// a data tool must do neither.
public enum ExactDecimal {
    /// The most significant digits a `Decimal` holds exactly.
    public static let maximumDigits = 38

    /// The number `text` spells (`-12`, `3.50`, `1e21`), or `nil` when it is not a plain
    /// decimal number or has more significant digits than a `Decimal` keeps.
    public static func parse(_ text: some StringProtocol) -> Decimal? {
        var digits = 0, sawDigit = false, leading = true
        var utf8 = Substring(text).utf8[...]
        if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
        var seenPoint = false
        while let byte = utf8.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "."), !seenPoint { seenPoint = true; continue }
            guard byte &- 48 < 10 else { return nil }
            sawDigit = true
            if byte != UInt8(ascii: "0") { leading = false }
            if !leading { digits += 1 }
        }
        guard sawDigit else { return nil }
        if !utf8.isEmpty {
            utf8 = utf8.dropFirst()
            if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { utf8 = utf8.dropFirst() }
            guard !utf8.isEmpty, utf8.count <= 3, utf8.allSatisfy({ $0 &- 48 < 10 }) else { return nil }
        }
        // Trailing zeros of the fraction count above, which can only reject more, never accept less.
        guard digits <= maximumDigits else { return nil }
        guard let value = Decimal(string: String(text), locale: Locale(identifier: "en_US_POSIX")), !value.isNaN else { return nil }
        return value
    }
}

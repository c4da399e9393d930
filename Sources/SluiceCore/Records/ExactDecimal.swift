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
        if let small = parseSmall(text.utf8) { return small }
        guard let value = Decimal(string: String(text), locale: Locale(identifier: "en_US_POSIX")), !value.isNaN else { return nil }
        return value
    }

    /// ``parse(_:)`` of UTF-8 text, without making a `String` for a short plain decimal.
    public static func parse(utf8 bytes: UnsafeRawBufferPointer) -> Decimal? {
        parseSmall(bytes) ?? parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Most numbers in data are short plain decimals (`-123.45`): they become a `Decimal`
    /// from their digits as an integer and a power of ten, which is about sixty times faster
    /// than `Decimal(string:)` here and gives the same value, description and hash (tested on
    /// random inputs). `nil` for anything else: an exponent, more than 18 digits, no digits.
    static func parseSmall(_ utf8: some Collection<UInt8>) -> Decimal? {
        var mantissa: UInt64 = 0, digits = 0, fractionDigits = 0
        var negative = false, seenPoint = false, sawDigit = false
        var index = utf8.startIndex
        if index != utf8.endIndex, utf8[index] == UInt8(ascii: "-") || utf8[index] == UInt8(ascii: "+") {
            negative = utf8[index] == UInt8(ascii: "-")
            index = utf8.index(after: index)
        }
        while index != utf8.endIndex {
            let byte = utf8[index]
            index = utf8.index(after: index)
            if byte == UInt8(ascii: "."), !seenPoint { seenPoint = true; continue }
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            sawDigit = true
            if mantissa == 0 && digit == 0 {
                // Leading zeros add no digit, but after the point they still scale.
                if seenPoint { fractionDigits += 1 }
                continue
            }
            digits += 1
            guard digits <= 18 else { return nil }
            mantissa = mantissa * 10 + UInt64(digit)
            if seenPoint { fractionDigits += 1 }
        }
        guard sawDigit else { return nil }
        guard mantissa != 0 else { return Decimal(0) }
        // Decimal(string:) keeps the shortest mantissa: 900.70 is 9007 × 10⁻¹.
        var exponent = -fractionDigits
        while mantissa % 10 == 0 { mantissa /= 10; exponent += 1 }
        guard exponent >= -128 else { return nil }
        return Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: Decimal(mantissa))
    }

    /// `value` as plain decimal text, the same as its `description` (`-0.05`, `1200`, `NaN`)
    /// but without the cost of Foundation's general conversion when the digits fit 64 bits.
    public static func text(_ value: Decimal) -> String {
        var bytes: [UInt8] = []
        appendText(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``text(_:)`` of `value` to `bytes`, without making a `String`.
    public static func appendText(_ value: Decimal, to bytes: inout [UInt8]) {
        guard !value.isNaN else { return bytes.append(contentsOf: "NaN".utf8) }
        guard let (mantissa, exponent) = smallParts(value) else { return bytes.append(contentsOf: value.description.utf8) }
        guard mantissa != 0 else { return bytes.append(UInt8(ascii: "0")) }
        if value.isSignMinus { bytes.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            var rest = mantissa
            while rest != 0 {
                digits[19 - count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            let written = UnsafeBufferPointer(rebasing: digits[(20 - count)...])
            if exponent >= 0 {
                bytes.append(contentsOf: written)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent))
            } else if count > -exponent {
                bytes.append(contentsOf: written.prefix(count + exponent))
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: written.suffix(-exponent))
            } else {
                bytes.append(contentsOf: "0.".utf8)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -exponent - count))
                bytes.append(contentsOf: written)
            }
        }
    }

    /// The digits of `value` as a 64-bit integer and its power of ten, when they fit.
    private static func smallParts(_ value: Decimal) -> (mantissa: UInt64, exponent: Int)? {
        let significand = value.significand
        let mantissa = (significand as NSDecimalNumber).uint64Value
        // uint64Value clamps or wraps what does not fit: only an exact round trip is trusted.
        // Equal bytes prove it cheaply; other representations of one value ask `==`.
        let roundTrip = Decimal(mantissa)
        let sameBytes = withUnsafeBytes(of: significand) { a in
            withUnsafeBytes(of: roundTrip) { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
        guard sameBytes || roundTrip == significand, let exponent = Int(exactly: value.exponent) else { return nil }
        return (mantissa, exponent)
    }
}

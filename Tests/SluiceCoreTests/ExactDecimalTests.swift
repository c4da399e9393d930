import Foundation
import Testing
@testable import SluiceCore

/// The fast paths of ``ExactDecimal`` against Foundation's general conversions, on random
/// and edge-case inputs: the same value, description and hash, and the same text.
@Suite struct ExactDecimalTests {
    static let posix = Locale(identifier: "en_US_POSIX")

    static func randomText(_ generator: inout some RandomNumberGenerator) -> String {
        let sign = ["", "-", "+"].randomElement(using: &generator)!
        let whole = String(UInt64.random(in: 0...UInt64.max, using: &generator)).prefix(Int.random(in: 0...12, using: &generator))
        let zeros = String(repeating: "0", count: Int.random(in: 0...3, using: &generator))
        let fraction = String(UInt64.random(in: 0...UInt64.max, using: &generator)).prefix(Int.random(in: 0...8, using: &generator))
        let text = sign + zeros + whole + (Bool.random(using: &generator) ? "." + fraction + zeros : "")
        return text
    }

    @Test func shortDecimalsParseAsFoundationDoes() {
        var generator = SystemRandomNumberGenerator()
        let fixed = ["0", "-0", "0.000", "-0.00", "900.70", "1200", "007", ".5", "5.", "-.25", "123456789012345678", "0.000000000000000001",
                     "999999999999999999", "1000000000000000000", "-12.3400"]
        for text in fixed + (0..<20_000).map({ _ in Self.randomText(&generator) }) {
            let expected = Decimal(string: text, locale: Self.posix)
            let fast = ExactDecimal.parseSmall(text.utf8)
            guard let fast else {
                // Only numbers the fast path does not handle (no digits, too many) go the slow way.
                #expect(text.filter(\.isNumber).drop(while: { $0 == "0" }).count > 18 || !text.contains(where: \.isNumber), "\(text)")
                continue
            }
            #expect(fast == expected, "\(text)")
            #expect(fast.description == expected?.description, "\(text)")
            #expect(fast.hashValue == expected?.hashValue, "\(text)")
            #expect(ExactDecimal.parse(text) == expected, "\(text)")
        }
    }

    @Test func textMatchesDescription() {
        var generator = SystemRandomNumberGenerator()
        var values: [Decimal] = [0, -1, Decimal(string: "1e30")!, Decimal(string: "-1.5e-20")!, Decimal(string: "12345678901234567890123456789012345678")!,
                                 Decimal(string: "18446744073709551615")!, Decimal(string: "18446744073709551616")!, .nan]
        for _ in 0..<20_000 {
            let text = Self.randomText(&generator)
            if let value = Decimal(string: text, locale: Self.posix) { values.append(value) }
            let scaled = Decimal(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: Int.random(in: -30...30, using: &generator),
                                 significand: Decimal(UInt64.random(in: 0...UInt64.max, using: &generator)))
            values.append(scaled)
        }
        for value in values {
            #expect(ExactDecimal.text(value) == value.description, "\(value)")
        }
    }
}

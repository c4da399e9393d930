import Testing
@testable import SluiceConnectors
import SluiceCore

/// Numbers parsed straight from bytes agree with the standard library's parsers, which read
/// through a `String`.
@Suite struct NumberParsingTests {
    static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { NumberParsing.double(UnsafeRawBufferPointer($0)) }
    }

    static func parseInteger(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { NumberParsing.int64(UnsafeRawBufferPointer($0)) }
    }

    /// Random JSON numbers of every shape: short decimals as data has them, long mantissas,
    /// exponents near the limits of a double, and the shortest forms of random bit patterns.
    static func randomNumber(_ random: inout SplitMix64) -> String {
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(Unicode.Scalar(UInt8(48 + Int.random(in: 0...9, using: &random)))) })
        }
        let sign = Bool.random(using: &random) ? "-" : ""
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return sign + String(Int.random(in: 0...1_000_000, using: &random)) + "." + digits(Int.random(in: 1...3, using: &random))
        case 1: return sign + "1" + digits(Int.random(in: 0...25, using: &random)) + "." + digits(Int.random(in: 1...25, using: &random))
        case 2: return sign + "0." + digits(Int.random(in: 1...30, using: &random))
        case 3: return sign + digits(1).replacingOccurrences(of: "0", with: "1") + "." + digits(Int.random(in: 1...17, using: &random))
            + "e" + String(Int.random(in: -330...310, using: &random))
        default:
            let value = Double(bitPattern: random.next())
            return value.isFinite ? "\(value)" : "1.5"
        }
    }

    @Test func doublesAreCorrectlyRoundedOnAMillionRandomNumbers() {
        var random = SplitMix64(seed: 2026)
        var checked = 0
        var firstDifference: String?
        for _ in 0..<1_000_000 {
            let text = Self.randomNumber(&random)
            let expected = Double(text)
            let parsed = Self.parse(text)
            if parsed?.bitPattern != expected?.bitPattern, firstDifference == nil {
                firstDifference = "\(text): \(String(describing: parsed)) instead of \(String(describing: expected))"
            }
            checked += 1
        }
        #expect(firstDifference == nil, "\(firstDifference ?? "")")
        #expect(checked == 1_000_000)
    }

    @Test func integersAgreeWithInt64OnRandomTextAndAtTheLimits() {
        var random = SplitMix64(seed: 9)
        var samples = ["0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                       "-9223372036854775809", "", "-", "+5", "1.0", "1e3", "00012", "١٢"]
        for _ in 0..<1_000_000 {
            samples.append(String(Int64(bitPattern: random.next()) >> Int64.random(in: 0...63, using: &random)))
        }
        for text in samples {
            #expect(Self.parseInteger(text) == Int64(text), "\(text)")
        }
    }
}

import Testing
@testable import SluiceIntegration
import SluiceCore

/// The byte-level forms give exactly what the general forms give, on random ASCII text
/// built from the pieces that matter (separators, dots, titles, signs, whitespace).
@Suite struct ASCIIStandardiseTests {
    static func text(_ random: inout SplitMix64, from pieces: [String], count: Int) -> String {
        (0..<Int(random.next() % UInt64(count) + 1)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    @Test func emailsAreReadAsTheGeneralFormReadsThem() {
        var random = SplitMix64(seed: 7)
        let pieces = ["ann", "Lee", ".", "@", "-", "_", "+", " ", "\t", "\r\n", "example", "COM", "9", "..", "a b", "\u{0B}"]
        for _ in 0..<20_000 {
            let email = Self.text(&random, from: pieces, count: 8)
            #expect(ASCIIStandardise.email(email) == Standardise.anyEmail(email), "\(email.debugDescription)")
        }
    }

    @Test func phonesAreReadAsTheGeneralFormReadsThem() {
        var random = SplitMix64(seed: 8)
        let pieces = ["+", "00", "0", "44", "1", "20", "7946", "0958", " ", "-", "(", ")", ".", "/", "x", "\t", "555"]
        for _ in 0..<20_000 {
            let phone = Self.text(&random, from: pieces, count: 8)
            for country in ["GB", "US", "IT", "ZZ"] {
                #expect(ASCIIStandardise.phoneE164(phone, defaultCountry: country) == Standardise.anyPhoneE164(phone, defaultCountry: country),
                        "\(phone.debugDescription) in \(country)")
            }
        }
    }

    @Test func namesAreSplitAsTheGeneralFormSplitsThem() {
        var random = SplitMix64(seed: 9)
        let pieces = ["Ann", "LEE", "Dr.", "mr", ".", ",", " ", "  ", "Jr.", "III", "O'Brien", "van", "\t", "Prof", "..", "MISS", "phd"]
        for _ in 0..<20_000 {
            let name = Self.text(&random, from: pieces, count: 7)
            let fast = ASCIIStandardise.personName(name), general = Standardise.anyPersonName(name)
            #expect(fast?.given == general?.given && fast?.family == general?.family, "\(name.debugDescription)")
        }
    }

    @Test func postcodesAreReadAsTheGeneralFormReadsThem() {
        var random = SplitMix64(seed: 10)
        let pieces = ["sw", "1a", "1", "AA", " ", "9", "ec", "-", "12", "k1a", "0b1", "\t", "1012", "ab", "94105", "x"]
        for _ in 0..<20_000 {
            let postcode = Self.text(&random, from: pieces, count: 5)
            for country in ["GB", "gb", "US", "DE", "NL", "CA", "ZZ"] {
                #expect(ASCIIStandardise.postcode(postcode, country: country) == Standardise.anyPostcode(postcode, country: country),
                        "\(postcode.debugDescription) in \(country)")
            }
        }
    }

    @Test func datesAreReadAsTheGeneralFormReadsThem() {
        var random = SplitMix64(seed: 12)
        let pieces = ["1984", "-", "03", "3", "/", "07", "7", " ", "Mar", "march", "MAY", "31", "02", "29", "2000", ".", "x", "12"]
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy", "d MMMM yyyy", "dd.MM.yyyy", "M/d/yyyy"])
        for _ in 0..<20_000 {
            let text = Self.text(&random, from: pieces, count: 6)
            #expect(dates.iso(text) == dates.iso(text + "\u{A0}"), "\(text.debugDescription)")   // the second is not ASCII
        }
    }

    @Test func latinNamesAreSplitAsTheGeneralFormSplitsThem() {
        var random = SplitMix64(seed: 13)
        let pieces = ["Zoë", "MÜLLER", "José", "García", "Łukasz", "Dr.", "mr", ".", ",", " ", "\u{A0}", "Jr.", "Ø", "van",
                      "\t", "Prof", "\u{85}", "Ann", "ß", "\n", "O'Brien", "Ñ"]
        for _ in 0..<20_000 {
            let name = Self.text(&random, from: pieces, count: 7)
            guard Standardise.isLatinWithoutCombiningMarks(name) else { continue }
            let fast = Standardise.latinPersonName(name), general = Standardise.anyPersonName(name)
            #expect(fast?.given == general?.given && fast?.family == general?.family, "\(name.debugDescription)")
        }
    }
}

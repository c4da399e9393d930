import Testing
import SluiceIntegration

@Suite struct StandardiseTests {
    @Test func textForms() {
        #expect(Standardise.whitespace("  Ann \t Lee\n\u{00A0}") == "Ann Lee")
        #expect(Standardise.caseFold("STRASSE") == Standardise.caseFold("Straße"))
        #expect(Standardise.caseFold("e\u{301}") == Standardise.caseFold("É"))
        #expect(Standardise.stripAccents("Zoë Müller-Łukasz Søren") == "Zoe Muller-Lukasz Soren")
    }

    @Test func emails() {
        #expect(Standardise.email(" Ann.Lee@Example.COM ") == "ann.lee@example.com")
        #expect(Standardise.email("ann+news@mail.example.co.uk") == "ann+news@mail.example.co.uk")
        for bad in ["ann@", "ann@example", "a b@example.com", "ann@@example.com", "ann@example..com", "@example.com", ""] {
            #expect(Standardise.email(bad) == nil, "\(bad)")
        }
    }

    @Test func phoneNumbers() {
        #expect(Standardise.phoneE164("020 7946 0958", defaultCountry: "GB") == "+442079460958")
        #expect(Standardise.phoneE164("+44 (0)20 7946 0958".replacingOccurrences(of: "(0)", with: ""), defaultCountry: "DE") == "+442079460958")
        #expect(Standardise.phoneE164("0044 20 7946 0958", defaultCountry: "US") == "+442079460958")
        #expect(Standardise.phoneE164("(415) 555-0132", defaultCountry: "US") == "+14155550132")
        #expect(Standardise.phoneE164("1-415-555-0132", defaultCountry: "us") == "+14155550132")
        #expect(Standardise.phoneE164("030 123456", defaultCountry: "DE") == "+4930123456")
        #expect(Standardise.phoneE164("06 1234 5678", defaultCountry: "IT") == "+390612345678", "Italy keeps its 0")
        for bad in ["call me", "123", "+1234567890123456", "555-CALL", "020 7946 0958 x12"] {
            #expect(Standardise.phoneE164(bad, defaultCountry: "GB") == nil, "\(bad)")
        }
        #expect(Standardise.phoneE164("020 7946 0958", defaultCountry: "XX") == nil)
    }

    @Test func personNames() {
        #expect(Standardise.personName("Dr. LEE, Ann")! == ("Ann", "LEE"))
        #expect(Standardise.personName("Mr John Ronald Smith Jr.")! == ("John Ronald", "Smith"))
        #expect(Standardise.personName("  Zoë   Müller ")! == ("Zoë", "Müller"))
        #expect(Standardise.personName("Madonna")! == ("", "Madonna"))
        #expect(Standardise.personName("Mrs.") == nil)
    }

    @Test func postcodes() {
        #expect(Standardise.postcode("sw1a1aa", country: "GB") == "SW1A 1AA")
        #expect(Standardise.postcode("M1 1AE", country: "gb") == "M1 1AE")
        #expect(Standardise.postcode("94105-1234", country: "US") == "94105-1234")
        #expect(Standardise.postcode("1012 ab", country: "NL") == "1012 AB")
        #expect(Standardise.postcode("k1a0b1", country: "CA") == "K1A 0B1")
        #expect(Standardise.postcode("10115", country: "DE") == "10115")
        for (bad, country) in [("SW1A", "GB"), ("9410", "US"), ("1012 a1", "NL"), ("ABCDE", "DE"), ("10115", "ZZ")] {
            #expect(Standardise.postcode(bad, country: country) == nil, "\(bad) \(country)")
        }
    }
}

@Suite struct CountryAndQuantityTests {
    @Test func countriesFromCodesNamesAndAliases() {
        #expect(Countries.all.count == 250)
        #expect(Set(Countries.all.map(\.alpha2)).count == 250 && Set(Countries.all.map(\.alpha3)).count == 250)
        #expect(Countries.code("de") == "DE")
        #expect(Countries.code("DEU") == "DE")
        #expect(Countries.code("Deutschland") == "DE")
        #expect(Countries.code(" germany ") == "DE")
        #expect(Countries.code("U.K.") == "GB")
        #expect(Countries.code("united states of america") == "US")
        #expect(Countries.code("Côte d'Ivoire") == "CI")
        #expect(Countries.code("cote divoire") == "CI")
        #expect(Countries.find("Japan")?.alpha3 == "JPN")
        for bad in ["", "Atlantis", "XX", "EU"] { #expect(Countries.code(bad) == nil, "\(bad)") }
    }

    @Test func quantitiesConvertWithinTheirDimension() {
        #expect(Quantities.convert("5 kg", to: "g") == 5_000)
        #expect(Quantities.convert("5,5KG", to: "kg") == 5.5)
        #expect(Quantities.convert("12 in", to: "m")! - 0.3048 < 1e-12)
        #expect(Quantities.convert("1 mile", to: "km")! - 1.609344 < 1e-12)
        #expect(Quantities.convert("750 ml", to: "l") == 0.75)
        #expect(Quantities.convert("2 lb", to: "m") == nil, "mass is not length")
        for bad in ["12", "5 parsecs", "kg", "", "1e999 kg"] { #expect(Quantities.read(bad) == nil, "\(bad)") }
    }
}

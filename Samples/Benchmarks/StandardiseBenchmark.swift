import SluiceCore
import Foundation
import Sluice

/// The standardisers per typical value, beside a hand-written loop that does the least the
/// same job needs (lowercase an email, keep a phone's digits, split a name at its last space,
/// upper-case a postcode, reorder a date's digits): nanoseconds per value and the ratio.
enum StandardiseBenchmark {
    static func run(count: Int) {
        var random = SplitMix64(seed: 11)
        func pick(_ values: [String]) -> String { values[Int(random.next() % UInt64(values.count))] }
        let given = ["Ann", "Bob", "Zoë", "José", "Mary Ann", "Li", "Oluwaseun", "Dr. Kim"]
        let family = ["Lee", "Smith", "Müller", "O'Brien", "van der Berg", "Nakamura", "García"]
        let emails = (0..<count).map { _ in " \(pick(["ann", "Bob.Smith", "j.garcia", "x_9"]))\(random.next() % 1000)@\(pick(["Example.COM", "mail.co.uk", "shop.de"])) " }
        let phones = (0..<count).map { _ in pick(["020 7946 ", "+44 20 7946 ", "(415) 555-", "0044 161 496 "]) + String(1000 + random.next() % 9000) }
        let names = (0..<count).map { _ in pick(given) + " " + pick(family) }
        let postcodes = (0..<count).map { _ in pick(["sw1a1aa", "EC1A 1BB", " m1 1ae", "W1A0AX"]) }
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy"])
        let dateTexts = (0..<count).map { _ in pick(["1984-03-07", "07/03/1984", "7 Mar 1984", "31/12/1999"]) }

        print("standardise: \(count) typical values each, nanoseconds per value")
        compare("email", emails, { Standardise.email($0) }, loopName: "lowercased + @ check") { text in
            let lower = text.lowercased()
            return lower.contains("@") ? lower : nil
        }
        compare("phone (GB default)", phones, { Standardise.phoneE164($0, defaultCountry: "GB") }, loopName: "keep the digits") { text in
            String(text.unicodeScalars.filter { $0.properties.numericType != nil })
        }
        compare("person name", names, { Standardise.personName($0).map { $0.given + "|" + $0.family } }, loopName: "split at the last space") { text in
            guard let space = text.lastIndex(of: " ") else { return text }
            return String(text[..<space]) + "|" + String(text[text.index(after: space)...])
        }
        compare("postcode (GB)", postcodes, { Standardise.postcode($0, country: "GB") }, loopName: "uppercased, no spaces") { text in
            text.uppercased().filter { $0 != " " }
        }
        compare("date (3 formats)", dateTexts, { dates.iso($0) }, loopName: "reorder the digits") { text in
            let digits = text.filter(\.isNumber)
            return digits.count == 8 ? String(digits.suffix(4)) + String(digits.prefix(4)) : nil
        }
    }

    static func compare(_ name: String, _ values: [String], _ standardise: (String) -> String?, loopName: String,
                        loop: (String) -> String?) {
        func time(_ body: (String) -> String?) -> (Duration, Int) {
            var best: Duration?, kept = 0
            for _ in 0..<3 {
                let start = ContinuousClock.now
                var count = 0
                for value in values where body(value) != nil { count += 1 }
                let elapsed = ContinuousClock.now - start
                if best == nil || elapsed < best! { best = elapsed }
                kept = count
            }
            return (best!, kept)
        }
        let (sluice, kept) = time(standardise)
        let (plain, _) = time(loop)
        let perValue = sluice.seconds / Double(values.count) * 1e9, plainPerValue = plain.seconds / Double(values.count) * 1e9
        print(String(format: "  %-20@ sluice %7.0f ns   %-24@ %7.0f ns   ratio %5.2f×   (%d of %d read)",
                     name as NSString, perValue, loopName as NSString, plainPerValue, perValue / plainPerValue, kept, values.count))
    }
}

import Testing
@testable import SluiceMatching
import SluiceCore

@Suite struct ComparatorTests {
    func s(_ text: String) -> [UInt32] { EditDistance.scalars(text) }

    @Test func editDistances() {
        #expect(EditDistance.levenshtein(s("kitten"), s("sitting")) == 3)
        #expect(EditDistance.levenshtein(s(""), s("abc")) == 3)
        #expect(EditDistance.levenshtein(s("ca"), s("ac")) == 2)
        #expect(EditDistance.damerauLevenshtein(s("ca"), s("ac")) == 1)
        #expect(EditDistance.damerauLevenshtein(s("jonh"), s("john")) == 1)
        #expect(EditDistance.levenshtein(s("Zoë"), s("Zoe")) == 1, "one character, not two bytes")
        // The bounded check agrees with the full distance.
        let words = ["", "a", "ab", "ba", "abc", "acb", "kitten", "sitting", "smith", "smyth", "jonh", "john", "1984-03-07", "1984-07-03"]
        for x in words { for y in words { for limit in 0...3 {
            #expect(EditDistance.isWithin(limit, editsOf: s(x), s(y)) == (EditDistance.damerauLevenshtein(s(x), s(y)) <= limit), "\(x) \(y) \(limit)")
        } } }
    }

    @Test func jaroFamilyMatchesPublishedValues() {
        func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
        #expect(rounded(EditDistance.jaro(s("MARTHA"), s("MARHTA"))) == 0.944)
        #expect(rounded(EditDistance.jaroWinkler(s("MARTHA"), s("MARHTA"))) == 0.961)
        #expect(rounded(EditDistance.jaroWinkler(s("DWAYNE"), s("DUANE"))) == 0.84)
        #expect(rounded(EditDistance.jaroWinkler(s("DIXON"), s("DICKSONX"))) == 0.813)
        #expect(EditDistance.jaro(s(""), s("")) == 1)
        #expect(EditDistance.jaro(s("abc"), s("")) == 0)
    }

    /// The textbook scan, for comparison with the indexed form long values take.
    static func naiveJaro(_ a: [UInt32], _ b: [UInt32]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        if a.isEmpty || b.isEmpty { return 0 }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        var aMatched = [Bool](repeating: false, count: a.count), bMatched = [Bool](repeating: false, count: b.count)
        var matches = 0
        for i in 0..<a.count {
            let low = max(0, i - window), high = min(b.count - 1, i + window)
            guard low <= high else { continue }
            for j in low...high where !bMatched[j] && a[i] == b[j] {
                aMatched[i] = true; bMatched[j] = true; matches += 1
                break
            }
        }
        guard matches > 0 else { return 0 }
        var transpositions = 0, j = 0
        for i in 0..<a.count where aMatched[i] {
            while !bMatched[j] { j += 1 }
            if a[i] != b[j] { transpositions += 1 }
            j += 1
        }
        let m = Double(matches)
        return (m / Double(a.count) + m / Double(b.count) + (m - Double(transpositions) / 2) / m) / 3
    }

    @Test func jaroOfLongValuesIsTheTextbookResultInLinearTime() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<300 {
            let alphabet = UInt64(2 + random.next() % 6)
            let a = (0..<Int(random.next() % 400)).map { _ in UInt32(97 + random.next() % alphabet) }
            let b = (0..<Int(random.next() % 400)).map { _ in UInt32(random.next() % 9 == 0 ? 0x1F600 : 97 + random.next() % alphabet) }
            #expect(abs(EditDistance.jaro(a, b) - Self.naiveJaro(a, b)) < 1e-12, "\(a.count) × \(b.count)")
        }
        // A name beside a 5-million-character value: quick, and the same as the scan would say.
        let long = [UInt32](repeating: 65, count: 5_000_000) + Array("lice".unicodeScalars.map(\.value))
        let name = Array("Alice".unicodeScalars.map(\.value))
        #expect(EditDistance.jaro(name, long) > 0 && EditDistance.jaro(long, name) > 0)
    }

    /// Texts held in a byte per character (Latin-1) or four (beyond it) compare exactly as
    /// their `[UInt32]` scalars do, in every combination.
    @Test func scalarStringsCompareLikeTheirScalarsWhateverTheirWidth() {
        var random = SplitMix64(seed: 7)
        let letters: [Character] = ["a", "b", "é", "ß", "ł", "😀", " ", "Z"]
        func text() -> String {
            let alphabet = UInt64(random.next() % 2 == 0 ? 4 : letters.count)   // the first four are Latin-1
            return String((0..<Int(random.next() % 90)).map { _ in letters[Int(random.next() % alphabet)] })
        }
        var narrow = 0, wide = 0
        for _ in 0..<400 {
            let x = text(), y = text()
            let (a, b) = (ScalarString(x), ScalarString(y))
            if case .narrow = a.storage { narrow += 1 } else { wide += 1 }
            #expect(Array(a) == s(x))
            #expect(EditDistance.jaroWinkler(a, b) == EditDistance.jaroWinkler(s(x), s(y)), "\(x) / \(y)")
            #expect(EditDistance.levenshtein(a, b) == EditDistance.levenshtein(s(x), s(y)))
            #expect(EditDistance.isWithin(2, editsOf: a, b) == EditDistance.isWithin(2, editsOf: s(x), s(y)))
            #expect(SetSimilarity.qGrams(a, q: 3) == SetSimilarity.qGrams(s(x), q: 3))
        }
        #expect(narrow > 20 && wide > 20)
        #expect(ScalarString("Zoë") == ScalarString(s("Zoë")))
    }

    /// A short text beside a long one is compared through the long one's first occurrences
    /// of each character: the same Jaro as the textbook scan, in either order.
    @Test func shortBesideLongIsTheTextbookJaro() {
        var random = SplitMix64(seed: 11)
        var indexed = 0
        for round in 0..<200 {
            let alphabet = UInt64(2 + random.next() % 5)
            let wide: UInt32 = round % 3 == 0 ? 0x1F600 : 0x61   // every third pair beyond Latin-1
            let long = (0..<(1025 + Int(random.next() % 3000))).map { _ in
                random.next() % 50 == 0 ? wide : UInt32(0x61 + random.next() % alphabet)
            }
            let short = (0..<(1 + Int(random.next() % 64))).map { _ in UInt32(0x61 + random.next() % (alphabet + 2)) }
            let (l, s) = (ScalarString(long), ScalarString(short))
            if EditDistance.jaroOfShortAndLong(s, l) != nil, EditDistance.jaroOfShortAndLong(l, s) != nil { indexed += 1 }
            for (x, y, p, q) in [(s, l, short, long), (l, s, long, short)] {
                let expected = Self.naiveJaro(p, q)
                let prefix = zip(p.prefix(4), q.prefix(4)).prefix(while: { $0 == $1 }).count
                #expect(abs(EditDistance.jaroWinkler(x, y) - (expected + Double(prefix) * 0.1 * (1 - expected))) < 1e-12,
                        "\(p.count) × \(q.count)")
            }
        }
        #expect(indexed == 200)
    }

    @Test func preparedTextIsFoldedWithWhiteSpaceCollapsed() {
        #expect(PreparedValue(" \tJohn \r\n  SMITH\u{0B}")?.text == "john smith")
        #expect(PreparedValue("  Zoë\u{2003} MÜLLER ")?.text == "zoe muller")
        #expect(PreparedValue(" \r\n\t") == nil)
        #expect(PreparedValue("\u{A0}\u{3000}") == nil)
        #expect(" \t\u{A0}\n".isBlank && "".isBlank && !" x ".isBlank)
        // A long token beside short ones: shared words are found by comparing, not hashing.
        let long = String(repeating: "a", count: 1_000_000)
        #expect(SetSimilarity.tokenSet([long], [long, "b"]) == 1)
        #expect(SetSimilarity.tokenSet([long], ["a", "b"]) == 0)
    }

    @Test func setSimilarities() {
        let a = SetSimilarity.qGrams(s("john"), q: 2), b = SetSimilarity.qGrams(s("jon"), q: 2)
        #expect(SetSimilarity.jaccard(a, a) == 1)
        #expect(SetSimilarity.jaccard(a, b) > 0.3 && SetSimilarity.jaccard(a, b) < 0.7)
        #expect(SetSimilarity.cosine(a, b) > SetSimilarity.jaccard(a, b))
        #expect(SetSimilarity.tokenSet(SetSimilarity.tokens("Smith, John"), SetSimilarity.tokens("john SMITH")) == 1)
        #expect(SetSimilarity.tokenSet(SetSimilarity.tokens("John Smith"), SetSimilarity.tokens("John")) == 1)
        #expect(SetSimilarity.tokenSet(SetSimilarity.tokens("a b"), SetSimilarity.tokens("c d")) == 0)
    }

    @Test func phoneticCodes() {
        #expect(Phonetic.soundex("Robert") == "R163")
        #expect(Phonetic.soundex("Rupert") == "R163")
        #expect(Phonetic.soundex("Ashcraft") == "A261")
        #expect(Phonetic.soundex("Tymczak") == "T522")
        #expect(Phonetic.soundex("Pfister") == "P236")
        #expect(Phonetic.soundex("Lee") == "L000")
        #expect(Phonetic.soundex("") == "")
        #expect(Phonetic.metaphone("Smith") == Phonetic.metaphone("Smyth"))
        #expect(Phonetic.metaphone("Smith") == "SM0")
        #expect(Phonetic.metaphone("Knight") == "NT")
        #expect(Phonetic.metaphone("Philips") == "FLPS")
        #expect(Phonetic.metaphone("Catherine") == Phonetic.metaphone("Kathryn"))
        #expect(Phonetic.metaphone("Müller") == Phonetic.metaphone("Muller"))
    }

    @Test func comparisonLevels() {
        struct P: Sendable { var first: String?; var last: String?; var born: String? }
        let name = Comparison<P>.personName("name", given: { $0.first }, family: { $0.last })
        func level(_ c: Comparison<P>, _ a: P, _ b: P) -> Int? {
            guard let x = c.prepare(a), let y = c.prepare(b) else { return nil }
            return c.compare(x, y)
        }
        let ann = P(first: "Ann", last: "Smith", born: "1980-02-03")
        #expect(level(name, ann, P(first: " ann ", last: "SMITH")) == 0)
        #expect(level(name, ann, P(first: "Smith", last: "Ann")) == 1)
        #expect(level(name, P(first: "Robert", last: "Jones"), P(first: "Bob", last: "Jones")) == 2)
        #expect(level(name, ann, P(first: "Anne", last: "Smyth")) == 2)
        #expect(level(name, ann, P(first: "A.", last: "Smith")) == 3)
        #expect(level(name, ann, P(first: "Zed", last: "Quux")) == 5)
        let born = Comparison<P>.date("born") { $0.born }
        #expect(level(born, ann, P(born: "1980-03-02")) == 1, "day and month swapped")
        #expect(level(born, ann, P(born: "1980-02-08")) == 1, "one typo")
        #expect(level(born, ann, P(born: "1980-11-30")) == 2)
        #expect(level(born, ann, P(born: nil)) == nil, "missing: no level")
    }
}

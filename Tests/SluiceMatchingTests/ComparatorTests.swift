import Testing
import SluiceMatching

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

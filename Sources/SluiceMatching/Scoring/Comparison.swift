import Foundation

/// A field prepared once per record for comparing: the normalised text and the forms the
/// comparators need.
public struct PreparedValue: Sendable {
    /// Trimmed, lowercased, accents removed, inner whitespace collapsed.
    public let text: String
    /// `text` as Unicode scalar values; empty when prepared with ``Features/partsOnly``.
    public let scalars: ScalarString
    /// The words of `text`.
    public let tokens: Set<String>
    /// `text` read as a number, when it is one.
    public let number: Double?
    /// The parts of a composite value (several fields joined with `|`, as
    /// ``Comparison/personName(_:nicknames:given:family:)`` makes), each prepared; one part
    /// otherwise.
    public let parts: [Part]

    /// One part of a value, with the forms comparisons need, computed once per record.
    public struct Part: Sendable {
        /// The part's text.
        public let text: String
        /// Its Unicode scalar values.
        public let scalars: ScalarString
        /// Its Metaphone code.
        public let metaphone: String
    }

    /// The forms a comparison needs beyond the text and its scalars, so that records are
    /// prepared with only those.
    public struct Features: OptionSet, Sendable {
        /// The raw value.
        public let rawValue: Int
        /// A set of options.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// ``tokens``.
        public static let tokens = Features(rawValue: 1)
        /// ``number``.
        public static let number = Features(rawValue: 2)
        /// ``parts`` with their Metaphone codes.
        public static let parts = Features(rawValue: 4)
        /// Only the parts' scalars are kept, not the whole value's (``scalars`` is empty): for
        /// comparisons that look at the parts alone, so that a long value is not held twice.
        public static let partsOnly = Features(rawValue: 8)
    }

    /// Prepares `raw` with `features` (all by default); `nil` for nothing, empty or
    /// whitespace.
    public init?(_ raw: String?, features: Features = [.tokens, .number, .parts]) {
        guard let raw else { return nil }
        let text: String
        if raw.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII needs no Foundation folding (which goes through UTF-16) and no grapheme
            // breaking: lowercase the bytes and collapse white space (tab to carriage return,
            // space) in one pass.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(raw.utf8.count)
            var pendingSpace = false
            for byte in raw.utf8 {
                if byte == 0x20 || byte &- 0x09 < 5 {
                    pendingSpace = !bytes.isEmpty
                    continue
                }
                if pendingSpace { bytes.append(0x20); pendingSpace = false }
                bytes.append(byte &- 65 < 26 ? byte | 0x20 : byte)
            }
            guard !bytes.isEmpty else { return nil }
            text = String(decoding: bytes, as: UTF8.self)
        } else {
            let folded = raw.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
            let words = folded.split(whereSeparator: { $0.isWhitespace })
            guard !words.isEmpty else { return nil }
            text = words.count == 1 ? String(words[0]) : words.joined(separator: " ")
        }
        self.text = text
        let scalars = ScalarString(features.contains(.partsOnly) ? "" : text)
        self.scalars = scalars
        tokens = features.contains(.tokens) ? SetSimilarity.tokens(text) : []
        number = features.contains(.number) ? Double(text) : nil
        parts = !features.contains(.parts) ? [] : text.split(separator: "|", omittingEmptySubsequences: false).map { part in
            // Words are already joined by single spaces, so only an edge beside a `|` can be blank.
            var trimmed = part
            while trimmed.first == " " { trimmed.removeFirst() }
            while trimmed.last == " " { trimmed.removeLast() }
            let whole = trimmed.utf8.count == text.utf8.count
            let partText = whole ? text : String(trimmed)
            return Part(text: partText, scalars: whole && !features.contains(.partsOnly) ? scalars : ScalarString(partText),
                        metaphone: Phonetic.metaphone(partText))
        }
    }
}

/// One field compared between two records, giving one of a few ordered **levels**, from the
/// most similar (0) to "else" (the last); a missing value on either side gives no level and
/// counts neither for nor against a match.
///
/// ```swift
/// Comparison<Person>.text("surname", { $0.surname }, jaroWinkler: [0.92, 0.8])
/// // levels: exact, Jaro–Winkler ≥ 0.92, Jaro–Winkler ≥ 0.8, else
/// ```
public struct Comparison<Element>: Sendable {
    /// The comparison's name, as explanations show it.
    public let name: String
    /// The names of the levels, most similar first; the last is "else".
    public let levels: [String]
    /// Whether an exact match on a rare value counts more than on a common one.
    public let adjustsForTermFrequency: Bool
    /// What ``PreparedValue`` must compute for `level`.
    public let features: PreparedValue.Features
    let value: @Sendable (Element) -> String?
    let level: @Sendable (PreparedValue, PreparedValue) -> Int

    /// A comparison with levels of your own: `level` returns an index into `levels`, given
    /// values prepared with `features`.
    public init(_ name: String, levels: [String], termFrequency: Bool = false,
                features: PreparedValue.Features = [.tokens, .number, .parts],
                value: @escaping @Sendable (Element) -> String?,
                level: @escaping @Sendable (PreparedValue, PreparedValue) -> Int) {
        precondition(levels.count >= 2, "a comparison needs at least two levels")
        self.name = name
        self.levels = levels
        self.adjustsForTermFrequency = termFrequency
        self.features = features
        self.value = value
        self.level = level
    }

    /// The prepared value of `element` this comparison looks at.
    public func prepare(_ element: Element) -> PreparedValue? { PreparedValue(value(element), features: features) }

    /// The raw value of `element` this comparison looks at.
    public func rawValue(of element: Element) -> String? { value(element) }

    /// The level of two prepared values (an index into ``levels``).
    public func compare(_ a: PreparedValue, _ b: PreparedValue) -> Int { level(a, b) }

    /// Exact match or else.
    public static func exact(_ name: String, termFrequency: Bool = false,
                             _ value: @escaping @Sendable (Element) -> String?) -> Comparison {
        Comparison(name, levels: ["exact", "else"], termFrequency: termFrequency, features: [], value: value) { a, b in
            a.text == b.text ? 0 : 1
        }
    }

    /// Exact, then one level per Jaro–Winkler threshold (descending), then else.
    public static func text(_ name: String, termFrequency: Bool = false, _ value: @escaping @Sendable (Element) -> String?,
                            jaroWinkler thresholds: [Double] = [0.92, 0.8]) -> Comparison {
        let sorted = thresholds.sorted(by: >)
        return Comparison(name, levels: ["exact"] + sorted.map { "Jaro–Winkler ≥ \($0)" } + ["else"],
                          termFrequency: termFrequency, features: [], value: value) { a, b in
            if a.text == b.text { return 0 }
            let similarity = EditDistance.jaroWinkler(a.scalars, b.scalars)
            return 1 + (sorted.firstIndex { similarity >= $0 } ?? sorted.count)
        }
    }

    /// A person's name: exact, Jaro–Winkler ≥ 0.92, same sound (Metaphone), Jaro–Winkler ≥
    /// 0.8, else. `nicknames` maps a nickname to its full form ("bob" → "robert"); a nickname
    /// match counts as the second level.
    public static func name(_ name: String, termFrequency: Bool = true, nicknames: [String: String] = Nicknames.english,
                            _ value: @escaping @Sendable (Element) -> String?) -> Comparison {
        Comparison(name, levels: ["exact", "Jaro–Winkler ≥ 0.92 or nickname", "same Metaphone", "Jaro–Winkler ≥ 0.8", "else"],
                   termFrequency: termFrequency, features: [.parts], value: value) { a, b in
            if a.text == b.text { return 0 }
            let similarity = EditDistance.jaroWinkler(a.scalars, b.scalars)
            if similarity >= 0.92 { return 1 }
            if (nicknames[a.text] ?? a.text) == (nicknames[b.text] ?? b.text) { return 1 }
            if a.parts[0].metaphone == b.parts[0].metaphone { return 2 }
            return similarity >= 0.8 ? 3 : 4
        }
    }

    /// Exact, at most `edits` typing errors (Damerau–Levenshtein), else: for identifiers,
    /// postcodes, phone numbers and dates already in one format.
    public static func identifier(_ name: String, edits: Int = 1, termFrequency: Bool = false,
                                  _ value: @escaping @Sendable (Element) -> String?) -> Comparison {
        Comparison(name, levels: ["exact", "≤ \(edits) edit(s)", "else"], termFrequency: termFrequency, features: [],
                   value: value) { a, b in
            if a.text == b.text { return 0 }
            return EditDistance.isWithin(edits, editsOf: a.scalars, b.scalars) ? 1 : 2
        }
    }

    /// Dates as ISO 8601 text (`yyyy-MM-dd`; standardise them first): exact, one typing
    /// error or day and month swapped, same year, else.
    public static func date(_ name: String, _ value: @escaping @Sendable (Element) -> String?) -> Comparison {
        Comparison(name, levels: ["exact", "≤ 1 edit or day/month swapped", "same year", "else"], features: [],
                   value: value) { a, b in
            if a.text == b.text { return 0 }
            let x = a.scalars, y = b.scalars
            // yyyy-MM-dd: positions 5–6 are the month, 8–9 the day.
            let iso = x.count == 10 && y.count == 10 && x[4] == 0x2D && x[7] == 0x2D && y[4] == 0x2D && y[7] == 0x2D
            let sameYear = iso && x[0..<4].elementsEqual(y[0..<4])
            if sameYear, x[5..<7].elementsEqual(y[8..<10]), x[8..<10].elementsEqual(y[5..<7]) { return 1 }
            if EditDistance.isWithin(1, editsOf: x, y) { return 1 }
            return sameYear ? 2 : 3
        }
    }

    /// Numbers: equal, within each relative tolerance (ascending), else; text that is not a
    /// number compares as else.
    public static func number(_ name: String, within tolerances: [Double] = [0.01, 0.1],
                              _ value: @escaping @Sendable (Element) -> String?) -> Comparison {
        let sorted = tolerances.sorted()
        return Comparison(name, levels: ["equal"] + sorted.map { "within \($0 * 100)%" } + ["else"], features: [.number],
                          value: value) { a, b in
            guard let x = a.number, let y = b.number else { return sorted.count + 1 }
            if x == y { return 0 }
            let distance = Distance.relative(x, y)
            return 1 + (sorted.firstIndex { distance <= $0 } ?? sorted.count)
        }
    }

    /// Free text compared by words: exact, token-set similarity ≥ each threshold, else.
    public static func words(_ name: String, thresholds: [Double] = [0.8, 0.5],
                             _ value: @escaping @Sendable (Element) -> String?) -> Comparison {
        let sorted = thresholds.sorted(by: >)
        return Comparison(name, levels: ["exact"] + sorted.map { "shared words ≥ \($0)" } + ["else"], features: [.tokens],
                          value: value) { a, b in
            if a.text == b.text { return 0 }
            let similarity = SetSimilarity.tokenSet(a.tokens, b.tokens)
            return 1 + (sorted.firstIndex { similarity >= $0 } ?? sorted.count)
        }
    }
}

extension Comparison {
    /// A person's given and family names together, so that names entered the wrong way round
    /// still match: both exact; swapped (exactly or with typing errors); both close (given: Jaro–Winkler ≥ 0.92 or a
    /// nickname; family: Jaro–Winkler ≥ 0.92 or the same Metaphone code); family close and
    /// the same initial; most words shared; else.
    public static func personName(_ name: String, termFrequency: Bool = true, nicknames: [String: String] = Nicknames.english,
                                  given: @escaping @Sendable (Element) -> String?,
                                  family: @escaping @Sendable (Element) -> String?) -> Comparison {
        Comparison(name, levels: ["exact", "swapped", "both close", "family close, same initial", "shared words ≥ 0.5", "else"],
                   termFrequency: termFrequency, features: [.tokens, .parts, .partsOnly],
                   value: { element in
                       let parts = [given(element), family(element)].map { name in
                           // `|` separates the parts; Foundation's replacing copies through UTF-16, so only when needed.
                           guard let name else { return "" }
                           return name.utf8.contains(UInt8(ascii: "|")) ? name.replacingOccurrences(of: "|", with: " ") : name
                       }
                       return parts.allSatisfy(\.isBlank) ? nil : parts.joined(separator: "|")
                   }) { a, b in
            guard a.parts.count == 2, b.parts.count == 2 else { return a.text == b.text ? 0 : 5 }
            let (xg, xf, yg, yf) = (a.parts[0], a.parts[1], b.parts[0], b.parts[1])
            if xg.text == yg.text && xf.text == yf.text { return 0 }
            func similar(_ p: PreparedValue.Part, _ q: PreparedValue.Part) -> Bool {
                p.text == q.text || EditDistance.jaroWinkler(p.scalars, q.scalars) >= 0.92
            }
            if !xg.text.isEmpty, !xf.text.isEmpty, similar(xg, yf) && similar(xf, yg) { return 1 }
            let givenClose = similar(xg, yg) || (nicknames[xg.text] ?? xg.text) == (nicknames[yg.text] ?? yg.text)
            let familyClose = similar(xf, yf) || (!xf.text.isEmpty && xf.metaphone == yf.metaphone)
            if givenClose && familyClose { return 2 }
            if familyClose, let p = xg.text.first, let q = yg.text.first, p == q { return 3 }
            let tokens = SetSimilarity.tokenSet(a.tokens, b.tokens)
            return tokens >= 0.5 ? 4 : 5
        }
    }
}

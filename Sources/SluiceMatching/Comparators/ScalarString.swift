/// Unicode scalar values that the comparators in ``EditDistance`` read: `[UInt32]`,
/// `[UInt8]`, or the storage of a ``ScalarString``.
public protocol ScalarBuffer: RandomAccessCollection where Index == Int, Element: FixedWidthInteger & UnsignedInteger {}

extension Array: ScalarBuffer where Element: FixedWidthInteger & UnsignedInteger {}

/// The Unicode scalar values of a text, in a byte each when every one is below 256 (ASCII and
/// Latin-1: most names, postcodes, identifiers and dates) and in four bytes otherwise.
///
/// Comparators read every character by position, so a prepared value keeps its scalars; held
/// in bytes, a 50 MB field costs 50 MB for them, not 200.
///
/// ```swift
/// let a = ScalarString("Zoë"), b = ScalarString("Zoe")
/// EditDistance.levenshtein(a, b)   // 1
/// ```
public struct ScalarString: RandomAccessCollection, Sendable, Hashable {
    @usableFromInline enum Storage: Sendable, Hashable {
        case narrow([UInt8])
        case wide([UInt32])
    }

    @usableFromInline let storage: Storage
    /// For a long text, where each character first occurs: see ``FirstOccurrences``.
    let firstOccurrences: FirstOccurrences?

    /// The scalars of `text`.
    public init(_ text: String) {
        self.init(storage: Self.storage(of: text))
    }

    /// The given scalar values.
    public init(_ scalars: [UInt32]) {
        self.init(storage: scalars.allSatisfy({ $0 < 0x100 }) ? .narrow(scalars.map { UInt8($0) }) : .wide(scalars))
    }

    private init(storage: Storage) {
        self.storage = storage
        switch storage {
        case .narrow(let bytes): firstOccurrences = bytes.count > FirstOccurrences.longerThan ? FirstOccurrences(bytes) : nil
        case .wide(let scalars): firstOccurrences = scalars.count > FirstOccurrences.longerThan ? FirstOccurrences(scalars) : nil
        }
    }

    private static func storage(of text: String) -> Storage {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return .narrow(Array(text.utf8)) }
        var narrow: [UInt8] = []
        narrow.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard scalar.value < 0x100 else { return .wide(EditDistance.scalars(text)) }
            narrow.append(UInt8(scalar.value))
        }
        return .narrow(narrow)
    }

    /// Whether both hold the same scalars.
    public static func == (lhs: ScalarString, rhs: ScalarString) -> Bool { lhs.storage == rhs.storage }

    /// Hashes the scalars.
    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }

    /// The position of the first scalar.
    @inlinable public var startIndex: Int { 0 }

    /// The position after the last scalar.
    @inlinable public var endIndex: Int {
        switch storage {
        case .narrow(let bytes): return bytes.count
        case .wide(let scalars): return scalars.count
        }
    }

    /// The scalar value at `position`.
    @inlinable public subscript(position: Int) -> UInt32 {
        switch storage {
        case .narrow(let bytes): return UInt32(bytes[position])
        case .wide(let scalars): return scalars[position]
        }
    }
}

extension EditDistance {
    /// The Levenshtein distance of two prepared texts.
    public static func levenshtein(_ a: ScalarString, _ b: ScalarString) -> Int {
        switch (a.storage, b.storage) {
        case (.narrow(let x), .narrow(let y)): return levenshtein(x, y)
        case (.narrow(let x), .wide(let y)): return levenshtein(x, y)
        case (.wide(let x), .narrow(let y)): return levenshtein(x, y)
        case (.wide(let x), .wide(let y)): return levenshtein(x, y)
        }
    }

    /// Whether two prepared texts are at most `limit` edits apart (Damerau–Levenshtein).
    public static func isWithin(_ limit: Int, editsOf a: ScalarString, _ b: ScalarString) -> Bool {
        switch (a.storage, b.storage) {
        case (.narrow(let x), .narrow(let y)): return isWithin(limit, editsOf: x, y)
        case (.narrow(let x), .wide(let y)): return isWithin(limit, editsOf: x, y)
        case (.wide(let x), .narrow(let y)): return isWithin(limit, editsOf: x, y)
        case (.wide(let x), .wide(let y)): return isWithin(limit, editsOf: x, y)
        }
    }

    /// The Jaro–Winkler similarity of two prepared texts.
    public static func jaroWinkler(_ a: ScalarString, _ b: ScalarString, prefixScale: Double = 0.1) -> Double {
        if let similarity = jaroOfShortAndLong(a, b) {
            var prefix = 0
            while prefix < min(4, a.count, b.count), a[prefix] == b[prefix] { prefix += 1 }
            return similarity + Double(prefix) * prefixScale * (1 - similarity)
        }
        switch (a.storage, b.storage) {
        case (.narrow(let x), .narrow(let y)): return jaroWinkler(x, y, prefixScale: prefixScale)
        case (.narrow(let x), .wide(let y)): return jaroWinkler(x, y, prefixScale: prefixScale)
        case (.wide(let x), .narrow(let y)): return jaroWinkler(x, y, prefixScale: prefixScale)
        case (.wide(let x), .wide(let y)): return jaroWinkler(x, y, prefixScale: prefixScale)
        }
    }
}

extension EditDistance {
    /// Jaro of a short text (at most ``FirstOccurrences/kept`` characters) and a long one, in
    /// time that depends on the short one only: the long text's first occurrences of each
    /// character are all the scan of ``jaroIndexed(_:_:window:)`` would look at, so the result
    /// is the same. `nil` when the pair is not of that kind.
    static func jaroOfShortAndLong(_ a: ScalarString, _ b: ScalarString) -> Double? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        if let index = b.firstOccurrences, a.count <= FirstOccurrences.kept, a.count <= window + 1 {
            // `a` short, `b` long: every window of `a` starts at 0 in `b`, so a character
            // takes its first occurrences in `b`, as many as `a` has, that a window reaches.
            let reach = min(b.count, a.count + window)
            var wanted: [UInt32: Int] = [:]
            for scalar in a { wanted[scalar, default: 0] += 1 }
            var positions: [UInt32: ArraySlice<Int32>] = [:]
            for (scalar, count) in wanted {
                let all = index.positions(of: scalar)
                positions[scalar] = all.prefix(count).prefix(while: { Int($0) < reach })
            }
            var matchedInA: [Int] = [], matchedInB: [Int] = []
            for i in 0..<a.count {
                let high = min(b.count - 1, i + window)
                guard var candidates = positions[a[i]], let first = candidates.first, Int(first) <= high else { continue }
                matchedInA.append(i)
                matchedInB.append(Int(first))
                candidates.removeFirst()
                positions[a[i]] = candidates
            }
            return jaro(matchedInA, matchedInB, a, b)
        }
        if let index = a.firstOccurrences, b.count <= FirstOccurrences.kept, a.count > window + 1, window >= b.count - 1 {
            // `a` long, `b` short: every window of `a` reaches the end of `b`, so each
            // occurrence of a character in `a` takes the next position of it in `b` that is not
            // behind its window, or finds none left: its first occurrences decide.
            var positions: [UInt32: [Int]] = [:]
            for (j, scalar) in b.enumerated() { positions[scalar, default: []].append(j) }
            var occurrences: [(i: Int, scalar: UInt32)] = []
            for (scalar, places) in positions {
                for i in index.positions(of: scalar).prefix(places.count) { occurrences.append((Int(i), scalar)) }
            }
            occurrences.sort { $0.i < $1.i }
            var cursor: [UInt32: Int] = [:]
            var matchedInA: [Int] = [], matchedInB: [Int] = []
            for (i, scalar) in occurrences {
                if i - window > b.count - 1 { break }
                let places = positions[scalar]!
                var next = cursor[scalar, default: 0]
                while next < places.count, places[next] < i - window { next += 1 }
                if next < places.count {
                    matchedInA.append(i)
                    matchedInB.append(places[next])
                    next += 1
                }
                cursor[scalar] = next
            }
            return jaro(matchedInA, matchedInB, a, b)
        }
        return nil
    }

    /// Jaro from the matched positions (`matchedInA` in order).
    private static func jaro(_ matchedInA: [Int], _ matchedInB: [Int], _ a: ScalarString, _ b: ScalarString) -> Double {
        guard !matchedInA.isEmpty else { return 0 }
        var transpositions = 0
        for (i, j) in zip(matchedInA, matchedInB.sorted()) where a[i] != b[j] { transpositions += 1 }
        return jaroFormula(matches: matchedInA.count, transpositions: transpositions, a.count, b.count)
    }
}

/// Where each character of a long text first occurs (its first ``kept`` places), found in one
/// pass when the text is prepared. Comparing a name with a 50 MB value then costs the name's
/// length, not the value's.
struct FirstOccurrences: Sendable {
    /// Texts longer than this get an index.
    static let longerThan = 1024
    /// Places kept per character: a short text compared with a long one has at most this many.
    static let kept = 64

    private var latin1 = [[Int32]](repeating: [], count: 256)
    private var other: [UInt32: [Int32]] = [:]

    init<Text: ScalarBuffer>(_ text: Text) {
        var full = 0
        for (position, element) in text.enumerated() {
            let scalar = UInt32(element)
            if scalar < 256 {
                guard latin1[Int(scalar)].count < Self.kept else { continue }
                latin1[Int(scalar)].append(Int32(position))
                if latin1[Int(scalar)].count == Self.kept { full += 1 }
            } else if other[scalar, default: []].count < Self.kept {
                other[scalar, default: []].append(Int32(position))
            }
            if full == 256 { break }
        }
    }

    /// The first places of `scalar`, in order.
    func positions(of scalar: UInt32) -> [Int32] { scalar < 256 ? latin1[Int(scalar)] : other[scalar] ?? [] }
}

extension SetSimilarity {
    /// The character q-grams of a prepared text.
    public static func qGrams(_ text: ScalarString, q: Int = 2) -> [UInt64: Int] {
        switch text.storage {
        case .narrow(let bytes): return qGrams(bytes, q: q)
        case .wide(let scalars): return qGrams(scalars, q: q)
        }
    }
}

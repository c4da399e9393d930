/// Edit distances and the Jaro family on strings as arrays of Unicode scalar values, so that
/// "Zoë" is three characters and a comparison never splits one. They take any
/// ``ScalarBuffer``: `[UInt32]` from ``scalars(_:)``, or a ``ScalarString``, which holds
/// Latin-1 text in a byte per character.
public enum EditDistance {
    /// The scalars of `text`, the form every comparator here takes.
    @inlinable public static func scalars(_ text: String) -> [UInt32] {
        // Sized once: mapping the scalar view would grow the array by doubling, twice the memory.
        var result: [UInt32] = []
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { result.append(scalar.value) }
        return result
    }

    /// Insertions, deletions and substitutions needed to turn `a` into `b`.
    public static func levenshtein<A: ScalarBuffer, B: ScalarBuffer>(_ a: A, _ b: B) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = same(a[i - 1], b[j - 1]) ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Like ``levenshtein(_:_:)``, with a swap of two adjacent characters counting as one
    /// edit (the optimal-string-alignment form: no substring is edited twice).
    public static func damerauLevenshtein<A: ScalarBuffer, B: ScalarBuffer>(_ a: A, _ b: B) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        var d = [Int](repeating: 0, count: (a.count + 1) * width)
        for i in 0...a.count { d[i * width] = i }
        for j in 0...b.count { d[j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = same(a[i - 1], b[j - 1]) ? 0 : 1
                var best = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + cost)
                if i > 1, j > 1, same(a[i - 1], b[j - 2]), same(a[i - 2], b[j - 1]) {
                    best = min(best, d[(i - 2) * width + j - 2] + 1)
                }
                d[i * width + j] = best
            }
        }
        return d[a.count * width + b.count]
    }

    /// Whether `a` turns into `b` with at most `limit` edits (Damerau–Levenshtein, optimal
    /// string alignment): stops as soon as every alignment needs more, and allocates nothing,
    /// so most unrelated pairs cost a few steps.
    public static func isWithin<A: ScalarBuffer, B: ScalarBuffer>(_ limit: Int, editsOf a: A, _ b: B) -> Bool {
        if abs(a.count - b.count) > limit { return false }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) <= limit }
        let width = b.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: width * 3) { rows in
            var twoBack = 0, previous = width, current = 2 * width
            for j in 0...b.count { rows[previous + j] = j }
            for i in 1...a.count {
                rows[current] = i
                var rowMinimum = i
                for j in 1...b.count {
                    let cost = same(a[i - 1], b[j - 1]) ? 0 : 1
                    var best = min(rows[previous + j] + 1, rows[current + j - 1] + 1, rows[previous + j - 1] + cost)
                    if i > 1, j > 1, same(a[i - 1], b[j - 2]), same(a[i - 2], b[j - 1]) { best = min(best, rows[twoBack + j - 2] + 1) }
                    rows[current + j] = best
                    rowMinimum = min(rowMinimum, best)
                }
                if rowMinimum > limit { return false }
                (twoBack, previous, current) = (previous, current, twoBack)
            }
            return rows[previous + b.count] <= limit
        }
    }

    /// Jaro similarity in 0...1: shared characters within a window, less transpositions.
    public static func jaro<A: ScalarBuffer, B: ScalarBuffer>(_ a: A, _ b: B) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        if a.isEmpty || b.isEmpty { return 0 }
        // Names are short: the matched flags fit in two machine words, with no allocation.
        if a.count <= 64 && b.count <= 64 { return jaroShort(a, b) }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        // Scanning each character's window costs |a| × |b| for a long value beside a short
        // one (a 50 MB field against a name); indexed, it costs |a| + |b|, with the same result.
        if a.count * min(b.count, 2 * window + 1) > 1 << 16 { return jaroIndexed(a, b, window: window) }
        var aMatched = [Bool](repeating: false, count: a.count)
        var bMatched = [Bool](repeating: false, count: b.count)
        var matches = 0
        for i in 0..<a.count {
            let low = max(0, i - window)
            let high = min(b.count - 1, i + window)
            guard low <= high else { continue }
            for j in low...high where !bMatched[j] && same(a[i], b[j]) {
                aMatched[i] = true
                bMatched[j] = true
                matches += 1
                break
            }
        }
        guard matches > 0 else { return 0 }
        var transpositions = 0
        var j = 0
        for i in 0..<a.count where aMatched[i] {
            while !bMatched[j] { j += 1 }
            if !same(a[i], b[j]) { transpositions += 1 }
            j += 1
        }
        return jaroFormula(matches: matches, transpositions: transpositions, a.count, b.count)
    }

    /// ``jaro(_:_:)`` in linear time, with memory for the matches only: the positions in `b`
    /// of the characters that can match, and a cursor per character. The windows only move
    /// right as `i` grows, so the first unmatched position in a window is always at the
    /// cursor: the same matches as the scan.
    static func jaroIndexed<A: ScalarBuffer, B: ScalarBuffer>(_ a: A, _ b: B, window: Int) -> Double {
        // A character's slot: a table for Latin-1, a dictionary beyond. The loops below run over
        // millions of characters when a long value meets a short one, so each step is a lookup.
        var slotOfLatin1 = [Int32](repeating: -1, count: 256)
        var slotOfOther: [UInt32: Int32] = [:]
        var slots = 0
        func slot(_ scalar: UInt32) -> Int {
            if scalar < 256 {
                if slotOfLatin1[Int(scalar)] < 0 {
                    slotOfLatin1[Int(scalar)] = Int32(slots)
                    slots += 1
                }
                return Int(slotOfLatin1[Int(scalar)])
            }
            if let existing = slotOfOther[scalar] { return Int(existing) }
            slotOfOther[scalar] = Int32(slots)
            slots += 1
            return slots - 1
        }
        @inline(__always) func existingSlot(_ scalar: UInt32, _ latin1: UnsafeBufferPointer<Int32>) -> Int {
            scalar < 256 ? Int(latin1[Int(scalar)]) : Int(slotOfOther[scalar] ?? -1)
        }
        // When every window of `a` starts at 0 (`a` is at most the window long), nothing is
        // ever skipped, so a character takes only its first occurrences in `b`, as many as it
        // has in `a`: a name beside a long value keeps a few positions, not millions. No
        // window of `a` reaches past `a.count + window` in `b`.
        let capped = a.count <= window + 1
        var positions: [[Int]] = []
        if capped {
            var wanted: [Int] = []
            for scalar in a {
                let found = slot(UInt32(scalar))
                if found == wanted.count { wanted.append(0) }
                wanted[found] += 1
            }
            positions = [[Int]](repeating: [], count: slots)
            var open = slots
            let reach = min(b.count, a.count + window)
            slotOfLatin1.withUnsafeBufferPointer { latin1 in
                for j in 0..<reach {
                    let found = existingSlot(UInt32(b[j]), latin1)
                    guard found >= 0, positions[found].count < wanted[found] else { continue }
                    positions[found].append(j)
                    if positions[found].count == wanted[found] {
                        open -= 1
                        if open == 0 { break }
                    }
                }
            }
        } else {
            for (j, scalar) in b.enumerated() {
                let found = slot(UInt32(scalar))
                if found == positions.count { positions.append([]) }
                positions[found].append(j)
            }
        }
        let available = positions.reduce(0) { $0 + $1.count }
        var cursor = [Int](repeating: 0, count: slots)
        var matchedInA: [Int] = [], matchedInB: [Int] = []
        slotOfLatin1.withUnsafeBufferPointer { latin1 in
            for i in 0..<a.count {
                // Every position that could match is taken, or every later window is past `b`.
                if matchedInA.count == available || i - window > b.count - 1 { break }
                let low = max(0, i - window), high = min(b.count - 1, i + window)
                let found = existingSlot(UInt32(a[i]), latin1)
                guard low <= high, found >= 0 else { continue }
                var next = cursor[found]
                let count = positions[found].count
                while next < count, positions[found][next] < low { next += 1 }
                if next < count, positions[found][next] <= high {
                    matchedInA.append(i)
                    matchedInB.append(positions[found][next])
                    next += 1
                }
                cursor[found] = next
            }
        }
        guard !matchedInA.isEmpty else { return 0 }
        matchedInB.sort()
        var transpositions = 0
        for (i, j) in zip(matchedInA, matchedInB) where !same(a[i], b[j]) { transpositions += 1 }
        return jaroFormula(matches: matchedInA.count, transpositions: transpositions, a.count, b.count)
    }

    static func jaroShort<A: ScalarBuffer, B: ScalarBuffer>(_ a: A, _ b: B) -> Double {
        let window = max(0, max(a.count, b.count) / 2 - 1)
        var aMatched: UInt64 = 0
        var bMatched: UInt64 = 0
        var matches = 0
        for i in 0..<a.count {
            let low = max(0, i - window)
            let high = min(b.count - 1, i + window)
            guard low <= high else { continue }
            for j in low...high where bMatched & (1 << UInt64(j)) == 0 && same(a[i], b[j]) {
                aMatched |= 1 << UInt64(i)
                bMatched |= 1 << UInt64(j)
                matches += 1
                break
            }
        }
        guard matches > 0 else { return 0 }
        var transpositions = 0
        var j = 0
        for i in 0..<a.count where aMatched & (1 << UInt64(i)) != 0 {
            while bMatched & (1 << UInt64(j)) == 0 { j += 1 }
            if !same(a[i], b[j]) { transpositions += 1 }
            j += 1
        }
        return jaroFormula(matches: matches, transpositions: transpositions, a.count, b.count)
    }

    /// Whether two scalars are the same, whatever width each is held in.
    @inline(__always) static func same<X: FixedWidthInteger, Y: FixedWidthInteger>(_ x: X, _ y: Y) -> Bool {
        UInt32(truncatingIfNeeded: x) == UInt32(truncatingIfNeeded: y)
    }

    @inline(__always) static func jaroFormula(matches: Int, transpositions: Int, _ aCount: Int, _ bCount: Int) -> Double {
        let m = Double(matches)
        return (m / Double(aCount) + m / Double(bCount) + (m - Double(transpositions) / 2) / m) / 3
    }

    /// Jaro–Winkler similarity in 0...1: Jaro, raised for a common prefix of up to four
    /// characters (`prefixScale` 0.1, the usual value).
    public static func jaroWinkler<A: ScalarBuffer, B: ScalarBuffer>(_ a: A, _ b: B, prefixScale: Double = 0.1) -> Double {
        let similarity = jaro(a, b)
        var prefix = 0
        while prefix < min(4, a.count, b.count), same(a[prefix], b[prefix]) { prefix += 1 }
        return similarity + Double(prefix) * prefixScale * (1 - similarity)
    }
}

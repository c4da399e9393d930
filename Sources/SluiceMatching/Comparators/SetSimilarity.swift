import SluiceCore

/// Similarities of strings seen as sets of pieces: q-grams and words.
public enum SetSimilarity {
    /// The character q-grams of `text`, padded so that the first and last characters count
    /// as much as the others (`#jo`, `joh`, …, `hn#` for q = 3).
    public static func qGrams<Text: ScalarBuffer>(_ text: Text, q: Int = 2) -> [UInt64: Int] {
        let padding = [UInt32](repeating: 0x23, count: max(0, q - 1))
        let padded = padding + text.map { UInt32($0) } + padding
        var grams: [UInt64: Int] = [:]
        guard padded.count >= q else { return grams }
        for start in 0...(padded.count - q) {
            var hash = FNV1a()
            for index in start..<(start + q) { hash.combine(UInt64(padded[index])) }
            grams[hash.value, default: 0] += 1
        }
        return grams
    }

    /// Shared q-grams over all q-grams (multiset Jaccard), in 0...1.
    public static func jaccard(_ a: [UInt64: Int], _ b: [UInt64: Int]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var shared = 0
        var union = 0
        for (gram, count) in a {
            let other = b[gram] ?? 0
            shared += min(count, other)
            union += max(count, other)
        }
        for (gram, count) in b where a[gram] == nil { union += count }
        return union == 0 ? 0 : Double(shared) / Double(union)
    }

    /// The cosine of the q-gram count vectors, in 0...1.
    public static func cosine(_ a: [UInt64: Int], _ b: [UInt64: Int]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var dot = 0.0
        for (gram, count) in a { dot += Double(count * (b[gram] ?? 0)) }
        let normA = a.values.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        let normB = b.values.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
        return normA == 0 || normB == 0 ? 0 : dot / (normA * normB)
    }

    /// The words of `text`: letters and digits, lowercased.
    public static func tokens(_ text: String) -> Set<String> {
        // ASCII text is lowercased a byte at a time, without a second copy of the whole text.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var tokens: Set<String> = []
            var current: [UInt8] = []
            for byte in text.utf8 {
                if byte &- 48 < 10 || (byte | 0x20) &- 97 < 26 {
                    current.append(byte &- 65 < 26 ? byte | 0x20 : byte)
                } else if !current.isEmpty {
                    tokens.insert(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
            }
            if !current.isEmpty { tokens.insert(String(decoding: current, as: UTF8.self)) }
            return tokens
        }
        return Set(text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init))
    }

    /// Token-set similarity: shared words over the words of the shorter side, so that word
    /// order ("Smith John" / "John Smith") and extra words matter little.
    public static func tokenSet(_ a: Set<String>, _ b: Set<String>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        guard !small.isEmpty else { return 0 }
        var shared = 0
        if large.count <= 16 {
            // Equal text has an equal length, checked first: a token of 50 MB is not hashed
            // for every pair it is in.
            for token in small where large.contains(where: { $0 == token }) { shared += 1 }
        } else {
            for token in small where large.contains(token) { shared += 1 }
        }
        return Double(shared) / Double(small.count)
    }
}

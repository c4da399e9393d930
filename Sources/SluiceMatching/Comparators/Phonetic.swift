import Foundation

/// Codes for how a name sounds, so that "Smith" and "Smyth" block and compare together.
public enum Phonetic {
    /// The letters A–Z of `text`, accents removed, uppercased.
    static func letters(_ text: String) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII needs no folding: keep the letters, upper-cased.
            for byte in text.utf8 where (byte | 0x20) &- 97 < 26 { result.append(byte & ~0x20) }
            return result
        }
        for scalar in text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).uppercased().unicodeScalars
        where scalar.value >= 65 && scalar.value <= 90 {
            result.append(UInt8(scalar.value))
        }
        return result
    }

    /// American Soundex: the first letter and three digits ("Robert" and "Rupert" → R163);
    /// empty for text without letters.
    public static func soundex(_ text: String) -> String {
        let word = letters(text)
        guard let first = word.first else { return "" }
        func digit(_ letter: UInt8) -> UInt8? {
            switch letter {
            case UInt8(ascii: "B"), UInt8(ascii: "F"), UInt8(ascii: "P"), UInt8(ascii: "V"): return 1
            case UInt8(ascii: "C"), UInt8(ascii: "G"), UInt8(ascii: "J"), UInt8(ascii: "K"), UInt8(ascii: "Q"),
                 UInt8(ascii: "S"), UInt8(ascii: "X"), UInt8(ascii: "Z"): return 2
            case UInt8(ascii: "D"), UInt8(ascii: "T"): return 3
            case UInt8(ascii: "L"): return 4
            case UInt8(ascii: "M"), UInt8(ascii: "N"): return 5
            case UInt8(ascii: "R"): return 6
            default: return nil
            }
        }
        var code = [first]
        var last = digit(first)
        for letter in word.dropFirst() where code.count < 4 {
            let current = digit(letter)
            if let current, current != last { code.append(UInt8(ascii: "0") + current) }
            // H and W do not separate equal codes; vowels do.
            if letter != UInt8(ascii: "H") && letter != UInt8(ascii: "W") { last = current }
        }
        while code.count < 4 { code.append(UInt8(ascii: "0")) }
        return String(decoding: code, as: UTF8.self)
    }

    /// Metaphone (Philips, 1990): a key of consonant sounds ("Thompson" → TMSN, "Knight" →
    /// NFT is avoided: → NT), so that spelling variants of a name share it.
    public static func metaphone(_ text: String) -> String {
        // Letters as bytes (a Character is 16 bytes each: a long value would take 16 times its size).
        var word = letters(text)
        guard !word.isEmpty else { return "" }
        let vowels: Set<Character> = ["A", "E", "I", "O", "U"]
        func at(_ index: Int) -> Character? { index >= 0 && index < word.count ? Character(Unicode.Scalar(word[index])) : nil }
        // Initial letters that are not pronounced, or pronounced otherwise.
        let start = String(decoding: word.prefix(2), as: UTF8.self)
        if ["KN", "GN", "PN", "AE", "WR"].contains(start) { word.removeFirst() }
        if word.first == UInt8(ascii: "X") { word[0] = UInt8(ascii: "S") }
        if start == "WH" { word.remove(at: 1) }
        var key = ""
        for index in word.indices {
            let letter = Character(Unicode.Scalar(word[index]))
            // Doubled letters sound once, except C.
            if letter != "C", at(index - 1) == letter { continue }
            let next = at(index + 1)
            let afterNext = at(index + 2)
            switch letter {
            case "A", "E", "I", "O", "U":
                if index == 0 { key.append(letter) }
            case "B":
                if !(at(index - 1) == "M" && next == nil) { key.append("B") }
            case "C":
                if at(index - 1) == "S", let next, "IEY".contains(next) { break }
                if next == "I", afterNext == "A" { key.append("X") }
                else if next == "H" { key.append(at(index - 1) == "S" ? "K" : "X") }
                else if let next, "IEY".contains(next) { key.append("S") }
                else { key.append("K") }
            case "D":
                if next == "G", let afterNext, "EIY".contains(afterNext) { key.append("J") } else { key.append("T") }
            case "G":
                if next == "H", let afterNext, !vowels.contains(afterNext) { break }
                if next == "H", afterNext == nil { break }
                if next == "N", afterNext == nil || (afterNext == "E" && at(index + 3) == "D" && at(index + 4) == nil) { break }
                if let next, "IEY".contains(next), at(index - 1) != "G" { key.append("J") } else { key.append("K") }
            case "H":
                let previous = at(index - 1)
                if let previous, "CSPTG".contains(previous) { break }
                if let previous, vowels.contains(previous), !(next.map(vowels.contains) ?? false) { break }
                key.append("H")
            case "K":
                if at(index - 1) != "C" { key.append("K") }
            case "P":
                key.append(next == "H" ? "F" : "P")
            case "Q":
                key.append("K")
            case "S":
                if next == "H" || (next == "I" && (afterNext == "O" || afterNext == "A")) { key.append("X") } else { key.append("S") }
            case "T":
                if next == "I" && (afterNext == "A" || afterNext == "O") { key.append("X") }
                else if next == "H" { key.append("0") }
                else if !(next == "C" && afterNext == "H") { key.append("T") }
            case "V":
                key.append("F")
            case "W", "Y":
                if let next, vowels.contains(next) { key.append(letter) }
            case "X":
                key.append(contentsOf: "KS")
            case "Z":
                key.append("S")
            default:
                key.append(letter)
            }
        }
        return key
    }
}

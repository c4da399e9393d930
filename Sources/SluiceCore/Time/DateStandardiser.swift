
/// Reads dates written in any of an explicit list of formats and writes them as ISO 8601
/// (`yyyy-MM-dd`). The list is explicit because "03/04/2021" is the 3rd of April in one
/// country and the 4th of March in another: the first format that reads a text wins.
///
/// ```swift
/// let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy", "dd.MM.yyyy"])
/// dates.iso("7 Mar 1984")      // "1984-03-07"
/// dates.iso("31/02/1984")      // nil: there is no 31st of February
/// dates.iso("1984-3-7")        // nil: "MM" wants two digits
/// ```
///
/// Pattern letters: `yyyy` (four-digit year), `MM`/`dd` (two digits), `M`/`d` (one or two),
/// `MMM` (Jan…Dec), `MMMM` (January…December, English, any case); anything else must appear
/// as it is. Surrounding whitespace is ignored.
public struct DateStandardiser: Sendable {
    enum Piece: Sendable, Equatable {
        case year, month(digits: Int?), day(digits: Int?), monthName(full: Bool), literal(Character)
    }

    /// The accepted formats, in order of preference.
    public let formats: [String]
    private let patterns: [[Piece]]

    /// Accepts `formats`, tried in order.
    public init(formats: [String]) {
        self.formats = formats
        patterns = formats.map(Self.parse)
    }

    static func parse(_ format: String) -> [Piece] {
        var pieces: [Piece] = []
        var characters = Array(format)[...]
        while let first = characters.first {
            let run = characters.prefix { $0 == first }.count
            switch (first, run) {
            case ("y", 4): pieces.append(.year)
            case ("M", 1): pieces.append(.month(digits: nil))
            case ("M", 2): pieces.append(.month(digits: 2))
            case ("M", 3): pieces.append(.monthName(full: false))
            case ("M", 4): pieces.append(.monthName(full: true))
            case ("d", 1): pieces.append(.day(digits: nil))
            case ("d", 2): pieces.append(.day(digits: 2))
            default:
                for _ in 0..<run { pieces.append(.literal(first)) }
            }
            characters = characters.dropFirst(run)
        }
        return pieces
    }

    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                             "october", "november", "december"]

    /// `text` as `yyyy-MM-dd`, or `nil` when no format reads it as a real date.
    public func iso(_ text: String) -> String? {
        if text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            // ASCII: one byte a character, read without Character's Unicode machinery.
            var bytes = text.utf8[...]
            func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
            while let first = bytes.first, isWhitespace(first) { bytes = bytes.dropFirst() }
            while let last = bytes.last, isWhitespace(last) { bytes = bytes.dropLast() }
            let input = Array(bytes)
            for pattern in patterns {
                if let (year, month, day) = Self.read(input, pattern), let date = CivilDate(year: year, month: month, day: day) {
                    return date.description
                }
            }
            return nil
        }
        let input = Array(text.trimmingWhitespace)
        for pattern in patterns {
            if let (year, month, day) = Self.read(input, pattern),
               let date = CivilDate(year: year, month: month, day: day) {
                return date.description
            }
        }
        return nil
    }

    static func read<Unit: DateTextUnit>(_ input: [Unit], _ pattern: [Piece]) -> (Int, Int, Int)? {
        var index = 0
        var year: Int?, month: Int?, day: Int?
        func digits(exactly count: Int?) -> Int? {
            var end = index, value = 0
            while end < input.count, let digit = input[end].digitValue, end - index < (count ?? 2) {
                value = value * 10 + digit
                end += 1
            }
            let length = end - index
            guard length > 0, count == nil || length == count else { return nil }
            index = end
            return value
        }
        for piece in pattern {
            switch piece {
            case .year:
                guard let value = digits(exactly: 4) else { return nil }
                year = value
            case .month(let count):
                guard let value = digits(exactly: count) else { return nil }
                month = value
            case .day(let count):
                guard let value = digits(exactly: count) else { return nil }
                day = value
            case .monthName(let full):
                var end = index
                while end < input.count, input[end].isLetter { end += 1 }
                let word = Unit.lowercasedWord(input[index..<end])
                guard let found = monthNames.firstIndex(where: { full ? $0 == word : $0.prefix(3) == word && word.count == 3 }) else { return nil }
                month = found + 1
                index = end
            case .literal(let character):
                guard index < input.count, input[index].isCharacter(character) else { return nil }
                index += 1
            }
        }
        guard index == input.count, let year, let month, let day else { return nil }
        return (year, month, day)
    }
}

/// One unit of date text: a `Character`, or a byte of ASCII text (read without Character's
/// Unicode machinery), so that one reader serves both.
protocol DateTextUnit {
    /// The value of an ASCII digit, or `nil`.
    var digitValue: Int? { get }
    /// Whether it is a letter.
    var isLetter: Bool { get }
    /// Whether it is `character`.
    func isCharacter(_ character: Character) -> Bool
    /// A run of units as lowercased text.
    static func lowercasedWord(_ units: ArraySlice<Self>) -> String
}

extension Character: DateTextUnit {
    var digitValue: Int? { isASCII ? wholeNumberValue : nil }
    func isCharacter(_ character: Character) -> Bool { self == character }
    static func lowercasedWord(_ units: ArraySlice<Character>) -> String { String(units).lowercased() }
}

extension UInt8: DateTextUnit {
    var digitValue: Int? { self &- 48 < 10 ? Int(self &- 48) : nil }
    var isLetter: Bool { (self | 0x20) &- 97 < 26 }
    func isCharacter(_ character: Character) -> Bool { character.asciiValue == self }
    static func lowercasedWord(_ units: ArraySlice<UInt8>) -> String {
        String(decoding: units.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}

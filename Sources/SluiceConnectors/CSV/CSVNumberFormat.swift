import SluiceCore

/// How numbers are written in a CSV file's typed fields: the decimal separator, and the
/// separator between groups of thousands, if any. A field that does not follow the format
/// (a group of two digits, a second decimal separator) is an error naming the field, never
/// read another way.
///
/// ```swift
/// CSVOptions(delimiter: ";", numberFormat: .decimalComma)   // "1.234,56" → 1234.56
/// CSVOptions(numberFormat: .init(decimalSeparator: ".", groupingSeparator: ","))   // "1,234.56"
/// ```
public struct CSVNumberFormat: Sendable, Hashable {
    /// The character before the fraction.
    public var decimalSeparator: Character
    /// The character between groups of three digits, if any.
    public var groupingSeparator: Character?

    /// A format.
    public init(decimalSeparator: Character, groupingSeparator: Character? = nil) {
        self.decimalSeparator = decimalSeparator
        self.groupingSeparator = groupingSeparator
    }

    /// `1234.56`.
    public static let plain = CSVNumberFormat(decimalSeparator: ".")
    /// `1234,56` or `1.234,56`, as in much of Europe.
    public static let decimalComma = CSVNumberFormat(decimalSeparator: ",", groupingSeparator: ".")

    func validate() throws {
        guard let decimal = decimalSeparator.asciiValue, decimal < 0x30 || decimal > 0x39,
              groupingSeparator.map({ $0.asciiValue != nil && $0 != decimalSeparator && !$0.isNumber }) ?? true else {
            throw RecordError("a CSV number format needs two different ASCII separators that are not digits, not \(decimalSeparator.debugDescription) and \(groupingSeparator.map { $0.debugDescription } ?? "none")")
        }
    }

    /// `bytes` in plain notation (`-1234.5`), or `nil` when they do not follow the format.
    func plainNumber(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard self != .plain else { return Array(bytes) }
        let decimal = decimalSeparator.asciiValue!, grouping = groupingSeparator?.asciiValue
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var digitsInGroup = 0, groups = 0, inFraction = false, index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            result.append(bytes[index])
            index += 1
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte &- 48 < 10 {
                result.append(byte)
                if !inFraction { digitsInGroup += 1 }
            } else if let grouping, byte == grouping, !inFraction {
                // 1.234.567: the first group has 1 to 3 digits, every later one exactly 3.
                guard groups == 0 ? (1...3).contains(digitsInGroup) : digitsInGroup == 3 else { return nil }
                groups += 1
                digitsInGroup = 0
            } else if byte == decimal, !inFraction {
                guard groups == 0 || digitsInGroup == 3 else { return nil }
                inFraction = true
                result.append(UInt8(ascii: "."))
            } else if byte | 0x20 == UInt8(ascii: "e"), !result.isEmpty {
                // An exponent ends the grouped part: the rest is copied as it is.
                guard groups == 0 || digitsInGroup == 3 else { return nil }
                result.append(byte)
                result.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index...]))
                return result
            } else {
                return nil
            }
        }
        guard groups == 0 || inFraction || digitsInGroup == 3 else { return nil }
        return result
    }
}

/// How a CSV header's names are matched to the properties of the type the rows decode into.
public struct CSVKeyDecoding: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case headerNames, snakeCase }
    let kind: Kind

    /// Columns match properties of the same name (the default).
    public static let useHeaderNames = CSVKeyDecoding(kind: .headerNames)
    /// `first_name` matches `firstName`, as Foundation's `convertFromSnakeCase` does.
    public static let convertFromSnakeCase = CSVKeyDecoding(kind: .snakeCase)

    /// The property name a column name stands for.
    func propertyName(for column: String) -> String {
        guard kind == .snakeCase, column.contains("_") else { return column }
        // Leading and trailing underscores are kept, as Foundation keeps them.
        let leading = column.prefix { $0 == "_" }, trailing = column.reversed().prefix { $0 == "_" }
        let middle = column.dropFirst(leading.count).dropLast(trailing.count)
        let words = middle.split(separator: "_", omittingEmptySubsequences: true)
        guard words.count > 1 else { return column }
        let rest = words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
        return String(leading) + words[0].lowercased() + rest.joined() + String(trailing)
    }
}

import SluiceCore

/// How CSV text is read and written.
public struct CSVOptions: Sendable, Hashable {
    /// The field separator; `,` by default (`;` and tab are common too).
    public var delimiter: UInt8
    /// Whether the first record names the columns. Without a header, columns are named
    /// `column1`, `column2`, …
    public var hasHeader: Bool
    /// Whether empty fields decode as `nil` for optional properties (the default) rather than
    /// as empty strings.
    public var emptyFieldIsNil: Bool

    /// How typed number fields are written: `1234.5` (the default) or, for example,
    /// `1.234,5` with ``CSVNumberFormat/decimalComma``.
    public var numberFormat: CSVNumberFormat
    /// How column names are matched to property names.
    public var keyDecoding: CSVKeyDecoding
    /// The formats of date columns, by column name (`["born": ["dd.MM.yyyy", "d MMM yyyy"]]`,
    /// see ``DateStandardiser``): a `Date` property of such a column is read in them, at
    /// midnight UTC, and anything else in it is an error naming the field. Other date columns
    /// are read as ISO 8601 or seconds since 1970.
    public var dateFormats: [String: [String]]

    /// The delimiter as given, kept to report it if it cannot be used.
    let requestedDelimiter: Character

    /// Creates options. A delimiter that is not one ASCII character other than a quote or a
    /// line break makes the source or sink fail when it opens, naming the delimiter.
    public init(delimiter: Character = ",", hasHeader: Bool = true, emptyFieldIsNil: Bool = true,
                numberFormat: CSVNumberFormat = .plain, keyDecoding: CSVKeyDecoding = .useHeaderNames,
                dateFormats: [String: [String]] = [:]) {
        self.requestedDelimiter = delimiter
        self.delimiter = delimiter.asciiValue ?? UInt8(ascii: ",")
        self.hasHeader = hasHeader
        self.emptyFieldIsNil = emptyFieldIsNil
        self.numberFormat = numberFormat
        self.keyDecoding = keyDecoding
        self.dateFormats = dateFormats
    }

    /// Throws when the delimiter cannot be used.
    @usableFromInline func validate() throws {
        guard requestedDelimiter.isASCII, !"\"\r\n".contains(requestedDelimiter) else {
            throw RecordError("the CSV delimiter must be one ASCII character other than a quote or a line break, not \(requestedDelimiter.debugDescription)")
        }
        try numberFormat.validate()
    }
}

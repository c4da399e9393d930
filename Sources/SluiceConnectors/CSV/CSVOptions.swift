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

    /// Creates options.
    public init(delimiter: Character = ",", hasHeader: Bool = true, emptyFieldIsNil: Bool = true) {
        precondition(delimiter.isASCII && delimiter != "\"" && delimiter != "\n" && delimiter != "\r",
                     "the CSV delimiter must be one ASCII character other than a quote or a line break")
        self.delimiter = delimiter.asciiValue!
        self.hasHeader = hasHeader
        self.emptyFieldIsNil = emptyFieldIsNil
    }
}

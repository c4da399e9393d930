/// Tells, line by line, where CSV records end: a line break ends a record unless it is
/// inside a quoted field. Follows the parser's rules exactly (a quote opens a quoted field
/// only at the start of a field, `""` inside one is an escaped quote), so a file read in
/// pieces splits into the same records as the whole file.
@usableFromInline struct CSVRecordBoundary {
    @usableFromInline enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
    @usableFromInline var state = State.fieldStart
    @usableFromInline let delimiter: UInt8

    @usableFromInline init(delimiter: UInt8) { self.delimiter = delimiter }

    /// Scans one line (without its line break); `true` when the record ends with it.
    @usableFromInline mutating func endsRecord(_ line: UnsafeRawBufferPointer) -> Bool {
        let quote = UInt8(ascii: "\"")
        for byte in line {
            switch state {
            case .fieldStart:
                state = byte == quote ? .quoted : byte == delimiter ? .fieldStart : .unquoted
            case .unquoted:
                if byte == delimiter { state = .fieldStart }
            case .quoted:
                if byte == quote { state = .quoteInQuoted }
            case .quoteInQuoted:
                state = byte == quote ? .quoted : byte == delimiter ? .fieldStart : .unquoted
            }
        }
        if state == .quoted { return false }
        state = .fieldStart
        return true
    }

    /// Forgets a record in progress.
    @usableFromInline mutating func reset() { state = .fieldStart }
}

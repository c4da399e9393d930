/// Reads RFC 4180 records from a file in blocks: quoted fields, `""` escapes, delimiters and
/// line breaks inside quotes, CRLF or LF line ends, a UTF-8 byte order mark, any one-byte
/// delimiter. Memory stays constant: only the current record is kept.
@usableFromInline final class CSVParser {
    private let reader: ByteBlockReader
    private let delimiter: UInt8
    @exclusivity(unchecked) private var block: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private var position = 0
    @exclusivity(unchecked) private var atEnd = false
    /// Unescaped bytes of the current record's fields, back to back.
    @exclusivity(unchecked) @usableFromInline private(set) var fieldBytes: [UInt8] = []
    /// End offset in ``fieldBytes`` of each field.
    @exclusivity(unchecked) @usableFromInline private(set) var fieldEnds: [Int] = []
    /// The line on which the current record starts (1-based).
    @exclusivity(unchecked) @usableFromInline private(set) var recordLine = 0
    /// The line being read.
    @exclusivity(unchecked) private var line = 1
    /// The raw text of the current record, for dead letters.
    @exclusivity(unchecked) private var rawRecord: [UInt8] = []

    @usableFromInline var path: String { reader.path }

    /// Parses what `reader` reads; `firstLine` is the file line its first byte is on.
    @usableFromInline init(reader: ByteBlockReader, delimiter: UInt8, firstLine: Int = 1) {
        self.reader = reader
        self.delimiter = delimiter
        self.line = firstLine
        fieldBytes.reserveCapacity(4096)
        fieldEnds.reserveCapacity(64)
    }

    @usableFromInline func close() { reader.close() }

    /// The byte offset just after the last record read.
    @usableFromInline var consumedOffset: Int64 { reader.consumedOffset - Int64(block.count - position) }

    /// The line the next record starts on (or blank lines before it).
    @usableFromInline var nextLine: Int { line }

    @usableFromInline var fieldCount: Int { fieldEnds.count }

    /// The bytes of field `index` of the current record.
    @inlinable func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return try fieldBytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<fieldEnds[index]])) }
    }

    /// Field `index` as a string; throws when it is not valid UTF-8.
    @usableFromInline func string(at index: Int) throws -> String {
        try withField(index) { bytes in
            guard let text = UTF8Text.string(bytes) else {
                throw RecordErrorMessage("field \(index + 1) is not valid UTF-8")
            }
            return text
        }
    }

    /// The current record as it appeared in the file, for dead letters.
    @usableFromInline var rawText: String {
        let end = rawRecord.last == 0x0D ? rawRecord.count - 1 : rawRecord.count
        return String(decoding: rawRecord[..<end], as: UTF8.self)
    }

    private func nextByte() throws -> UInt8? {
        if position == block.count {
            guard !atEnd, let next = try reader.nextBlock() else {
                atEnd = true
                return nil
            }
            block = next
            position = 0
        }
        let byte = block[position]
        position += 1
        return byte
    }

    private func peekByte() throws -> UInt8? {
        guard let byte = try nextByte() else { return nil }
        position -= 1
        return byte
    }

    /// Appends `block[from..<to]` to the current field and to the raw record text.
    @inline(__always) private func appendRun(from: Int, to: Int) {
        guard to > from else { return }
        let run = UnsafeRawBufferPointer(rebasing: block[from..<to])
        fieldBytes.append(contentsOf: run)
        appendRaw(run)
    }

    @inline(__always) private func appendRaw(_ run: UnsafeRawBufferPointer) {
        let room = Self.rawRecordLimit - rawRecord.count
        if room > 0 { rawRecord.append(contentsOf: UnsafeRawBufferPointer(rebasing: run.prefix(room))) }
    }

    @inline(__always) private func appendRaw(_ byte: UInt8) {
        if rawRecord.count < Self.rawRecordLimit { rawRecord.append(byte) }
    }

    /// Dead letters keep at most this much of a record's text.
    static let rawRecordLimit = 65_536

    /// Reads the next record into ``fieldBytes``/``fieldEnds``; `false` at end of file.
    /// A malformed record throws after skipping to the end of its line, so the next call
    /// continues with the following record.
    ///
    /// Runs of ordinary bytes are found with a tight scan and copied in bulk; only
    /// delimiters, quotes and line breaks are handled one at a time.
    @usableFromInline func nextRecord() throws -> Bool {
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        rawRecord.removeAll(keepingCapacity: true)
        // Skip blank lines between records.
        while let byte = try peekByte(), byte == 0x0A || byte == 0x0D {
            _ = try nextByte()
            if byte == 0x0A { line += 1 }
        }
        guard try peekByte() != nil else { return false }
        recordLine = line
        let quote = UInt8(ascii: "\"")
        var inQuotes = false
        var quoteClosed = false
        while true {
            if position == block.count {
                guard try peekByte() != nil else {
                    if inQuotes {
                        throw RecordErrorMessage("unterminated quoted field (the quote opened on line \(recordLine) never closes)")
                    }
                    fieldEnds.append(fieldBytes.count)
                    return true
                }
            }
            if inQuotes {
                var index = position
                while index < block.count {
                    let byte = block[index]
                    if byte == quote { break }
                    if byte == 0x0A { line += 1 }
                    index += 1
                }
                appendRun(from: position, to: index)
                position = index
                guard index < block.count else { continue }
                position += 1
                appendRaw(quote)
                if try peekByte() == quote {
                    position += 1
                    appendRaw(quote)
                    fieldBytes.append(quote)
                } else {
                    inQuotes = false
                    quoteClosed = true
                }
                continue
            }
            var index = position
            while index < block.count {
                let byte = block[index]
                if byte == delimiter || byte == 0x0A || byte == 0x0D || byte == quote { break }
                index += 1
            }
            if index > position {
                if quoteClosed {
                    appendRaw(UnsafeRawBufferPointer(rebasing: block[position..<index]))
                    position = index
                    try skipLine()
                    throw RecordErrorMessage("unexpected text after the closing quote of field \(fieldEnds.count + 1)")
                }
                appendRun(from: position, to: index)
                position = index
            }
            guard index < block.count else { continue }
            let byte = block[index]
            position += 1
            switch byte {
            case delimiter:
                appendRaw(byte)
                fieldEnds.append(fieldBytes.count)
                quoteClosed = false
            case 0x0A, 0x0D:
                if byte == 0x0D, try peekByte() == 0x0A { position += 1 }
                line += 1
                fieldEnds.append(fieldBytes.count)
                return true
            default:  // a quote
                appendRaw(byte)
                if fieldBytes.count == (fieldEnds.last ?? 0), !quoteClosed {
                    inQuotes = true
                } else {
                    try skipLine()
                    throw RecordErrorMessage("a quote inside an unquoted field (field \(fieldEnds.count + 1)); quote the whole field and double the quote")
                }
            }
        }
    }

    private func skipLine() throws {
        while let byte = try nextByte() {
            if byte == 0x0A { line += 1; return }
            appendRaw(byte)
        }
    }
}

/// A message about a malformed record, located later by the source that knows the file.
@usableFromInline struct RecordErrorMessage: Error, CustomStringConvertible {
    @usableFromInline var message: String
    @usableFromInline var field: String?
    @usableFromInline init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }
    @usableFromInline var description: String { message }
}

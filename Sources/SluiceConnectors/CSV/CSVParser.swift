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
    /// Where the current record starts and ends in the file (its line break included), so
    /// that a dead letter can be given every byte it consumed.
    @exclusivity(unchecked) private var recordStart: Int64 = 0
    @exclusivity(unchecked) private var recordEnd: Int64 = 0
    /// Where to resynchronise if the current record's quote never closes: just after the
    /// first line break inside it.
    @exclusivity(unchecked) private var resynchronisationPoint: (offset: Int64, afterCR: Bool)?
    /// Reading resumed just after a bare CR: a LF next belongs to that line break.
    @exclusivity(unchecked) private var skipLineFeed = false
    /// Whether a blank line is a record with one empty field (RFC 4180, in a file with one
    /// column) rather than nothing between records.
    @usableFromInline var blankLinesAreRecords = false

    @usableFromInline var path: String { reader.path }

    /// The device, inode and size of the open file.
    @usableFromInline var identity: FileIdentity? { reader.identity }

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

    /// Where the record read last (or being read when an error was thrown) starts in the file.
    @usableFromInline var recordStartOffset: Int64 { recordStart }

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

    /// The current record as it appeared in the file, all of it, without its final line
    /// break: for dead letters.
    @usableFromInline var rawText: String { String(decoding: rawBytes, as: UTF8.self) }

    /// Calls `body` with the bytes of ``rawText``: straight from the block in memory when the
    /// record lies in it, as almost every record does; read again from the file otherwise.
    @usableFromInline func withRawBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let blockStart = reader.consumedOffset - Int64(block.count)
        guard recordStart >= blockStart, recordEnd <= reader.consumedOffset else { return rawBytes.withUnsafeBytes(body) }
        let lower = Int(recordStart - blockStart)
        var upper = Int(recordEnd - blockStart)
        if upper > lower, block[upper - 1] == 0x0A { upper -= 1 }
        if upper > lower, block[upper - 1] == 0x0D { upper -= 1 }
        return body(UnsafeRawBufferPointer(rebasing: block[lower..<upper]))
    }

    /// The bytes of ``rawText``.
    @usableFromInline var rawBytes: [UInt8] {
        var bytes = (try? reader.bytes(from: recordStart, to: recordEnd)) ?? []
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes
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

    /// Appends `block[from..<to]` to the current field.
    @inline(__always) private func appendRun(from: Int, to: Int) {
        guard to > from else { return }
        fieldBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[from..<to]))
    }

    /// Reads the next record into ``fieldBytes``/``fieldEnds``; `false` at end of file.
    /// A malformed record throws after skipping to the next record boundary (a CR, LF or
    /// CRLF outside quotes; for a quote that never closes, the end of the line it opened
    /// on), so the next call continues with the following record.
    ///
    /// Runs of ordinary bytes are found with a tight scan and copied in bulk; only
    /// delimiters, quotes and line breaks are handled one at a time.
    @usableFromInline func nextRecord() throws -> Bool {
        defer { recordEnd = consumedOffset }
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        resynchronisationPoint = nil
        if skipLineFeed {
            skipLineFeed = false
            if try peekByte() == 0x0A { position += 1 }
        }
        // Skip blank lines between records (unless they are records themselves).
        while !blankLinesAreRecords, let byte = try peekByte(), byte == 0x0A || byte == 0x0D {
            _ = try nextByte()
            let next = try peekByte()
            if byte == 0x0A || next != 0x0A { line += 1 }
        }
        guard try peekByte() != nil else {
            recordStart = consumedOffset
            return false
        }
        recordLine = line
        recordStart = consumedOffset
        let quote = UInt8(ascii: "\"")
        var inQuotes = false
        var quoteClosed = false
        while true {
            if position == block.count {
                guard try peekByte() != nil else {
                    if inQuotes { try abandonUnterminatedQuote() }
                    fieldEnds.append(fieldBytes.count)
                    return true
                }
            }
            if inQuotes {
                var index = position
                while index < block.count {
                    let byte = block[index]
                    if byte == quote || byte == 0x0D { break }
                    if byte == 0x0A {
                        line += 1
                        if resynchronisationPoint == nil { resynchronisationPoint = (offsetInFile(index + 1), false) }
                    }
                    index += 1
                }
                appendRun(from: position, to: index)
                position = index
                guard index < block.count else { continue }
                position += 1
                if block[index] == 0x0D {
                    // A CR in a quoted field: a line break of its own unless a LF follows.
                    fieldBytes.append(0x0D)
                    if resynchronisationPoint == nil { resynchronisationPoint = (offsetInFile(index + 1), true) }
                    if try peekByte() != 0x0A { line += 1 }
                    continue
                }
                if try peekByte() == quote {
                    position += 1
                    fieldBytes.append(quote)
                } else {
                    inQuotes = false
                    quoteClosed = true
                    // Line breaks inside a quote that closed are data: only one in the quote
                    // that never closes may resynchronise the reading.
                    resynchronisationPoint = nil
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
                    position = index
                    try skipToRecordBoundary()
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
                fieldEnds.append(fieldBytes.count)
                quoteClosed = false
            case 0x0A, 0x0D:
                if byte == 0x0D, try peekByte() == 0x0A { position += 1 }
                line += 1
                fieldEnds.append(fieldBytes.count)
                return true
            default:  // a quote
                if fieldBytes.count == (fieldEnds.last ?? 0), !quoteClosed {
                    inQuotes = true
                } else {
                    try skipToRecordBoundary()
                    throw RecordErrorMessage("a quote inside an unquoted field (field \(fieldEnds.count + 1)); quote the whole field and double the quote")
                }
            }
        }
    }

    /// The file offset of `index` in the current block.
    private func offsetInFile(_ index: Int) -> Int64 {
        reader.consumedOffset - Int64(block.count - index)
    }

    /// A quote opened and the file ended before it closed. The record is taken to be the
    /// line the quote opened on (outside quotes a line break ends a record, so it cannot
    /// be longer), and reading resumes on the next line: the rows after a stray quote are
    /// not swallowed into one dead letter.
    private func abandonUnterminatedQuote() throws -> Never {
        let opened = recordLine
        if let point = resynchronisationPoint {
            try reader.rewind(to: point.offset)
            block = UnsafeRawBufferPointer(start: nil, count: 0)
            position = 0
            atEnd = false
            skipLineFeed = point.afterCR
            line = opened + 1
            throw RecordErrorMessage("unterminated quoted field (the quote opened on line \(opened) never closes); reading resumes on line \(opened + 1)")
        }
        throw RecordErrorMessage("unterminated quoted field (the quote opened on line \(opened) never closes)")
    }

    /// Skips the rest of a malformed record, up to and including the next line break: a
    /// LF, a CRLF or a bare CR, whichever the file uses.
    private func skipToRecordBoundary() throws {
        while let byte = try nextByte() {
            if byte == 0x0A { line += 1; return }
            if byte == 0x0D {
                if try peekByte() == 0x0A { position += 1 }
                line += 1
                return
            }
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

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

    @usableFromInline init(reader: ByteBlockReader, delimiter: UInt8) {
        self.reader = reader
        self.delimiter = delimiter
        fieldBytes.reserveCapacity(4096)
        fieldEnds.reserveCapacity(64)
    }

    @usableFromInline func close() { reader.close() }

    @usableFromInline var fieldCount: Int { fieldEnds.count }

    /// The bytes of field `index` of the current record.
    @inlinable func withField<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return try fieldBytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<fieldEnds[index]])) }
    }

    /// Field `index` as a string; throws when it is not valid UTF-8.
    @usableFromInline func string(at index: Int) throws -> String {
        try withField(index) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw RecordErrorMessage("field \(index + 1) is not valid UTF-8")
            }
            return text
        }
    }

    /// The current record as it appeared in the file, for dead letters.
    @usableFromInline var rawText: String { String(decoding: rawRecord, as: UTF8.self) }

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

    /// Reads the next record into ``fieldBytes``/``fieldEnds``; `false` at end of file.
    /// A malformed record throws after skipping to the end of its line, so the next call
    /// continues with the following record.
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
        var inQuotes = false
        var quoteClosed = false
        while true {
            guard let byte = try nextByte() else {
                if inQuotes {
                    throw RecordErrorMessage("unterminated quoted field (the quote opened on line \(recordLine) never closes)")
                }
                fieldEnds.append(fieldBytes.count)
                return true
            }
            if rawRecord.count < 65_536 { rawRecord.append(byte) }
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if try peekByte() == UInt8(ascii: "\"") {
                        _ = try nextByte()
                        if rawRecord.count < 65_536 { rawRecord.append(byte) }
                        fieldBytes.append(byte)
                    } else {
                        inQuotes = false
                        quoteClosed = true
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    fieldBytes.append(byte)
                }
                continue
            }
            switch byte {
            case delimiter:
                fieldEnds.append(fieldBytes.count)
                quoteClosed = false
            case 0x0A, 0x0D:
                if byte == 0x0D, try peekByte() == 0x0A { _ = try nextByte() }
                line += 1
                rawRecord.removeLast()
                fieldEnds.append(fieldBytes.count)
                return true
            case UInt8(ascii: "\""):
                let fieldStart = fieldEnds.last ?? 0
                if fieldBytes.count == fieldStart, !quoteClosed {
                    inQuotes = true
                } else {
                    try skipLine()
                    throw RecordErrorMessage("a quote inside an unquoted field (field \(fieldEnds.count + 1)); quote the whole field and double the quote")
                }
            default:
                if quoteClosed {
                    try skipLine()
                    throw RecordErrorMessage("unexpected text after the closing quote of field \(fieldEnds.count + 1)")
                }
                fieldBytes.append(byte)
            }
        }
    }

    private func skipLine() throws {
        while let byte = try nextByte() {
            if rawRecord.count < 65_536 { rawRecord.append(byte) }
            if byte == 0x0A { line += 1; return }
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

/// Finds where records start in a file, moving forward from a known record start: what cuts a
/// large file into splits that parallel readers take.
///
/// A scanner follows the format's rules exactly as its parser does, so that every byte of the
/// file belongs to the split in which its record starts, and no record is cut in two.
protocol RecordBoundaryScanner {
    /// Where the scanner is: a record start, and the line it is on.
    var offset: Int64 { get }
    var line: Int { get }

    /// Moves to the first record start at or after `target` and before `limit`, and returns
    /// it with its line; `nil` (staying put) when no record starts there.
    mutating func advance(toRecordStartAtOrAfter target: Int64, before limit: Int64) throws -> (offset: Int64, line: Int)?
}

/// JSON Lines: a record starts after every line feed.
struct JSONLinesBoundaryScanner: RecordBoundaryScanner {
    private let window: FileWindow
    private(set) var offset: Int64
    private(set) var line: Int

    /// Starts at `offset`, a line start on line `line`.
    init(window: FileWindow, offset: Int64, line: Int) {
        self.window = window
        self.offset = offset
        self.line = line
    }

    mutating func advance(toRecordStartAtOrAfter target: Int64, before limit: Int64) throws -> (offset: Int64, line: Int)? {
        guard target > offset else { return (offset, line) }
        // Line feeds before `target - 1` only move the line number; the first one at or
        // after it ends the line that `target` falls in.
        var position = offset
        var lines = line
        while position < target - 1 {
            let block = try window.bytes(at: position, limit: Int(min(target - 1 - position, Int64(Int.max))))
            guard !block.isEmpty else { return nil }
            lines += LineBreakCounting.count(0x0A, in: block)
            position += Int64(block.count)
        }
        while position < limit {
            let block = try window.bytes(at: position, limit: Int(min(limit - position, Int64(Int.max))))
            guard !block.isEmpty else { return nil }
            if let found = memchr(block.baseAddress!, 0x0A, block.count) {
                let start = position + Int64(block.baseAddress!.distance(to: UnsafeRawPointer(found))) + 1
                guard start < limit else { return nil }
                offset = start
                line = lines + 1
                return (offset, line)
            }
            position += Int64(block.count)
        }
        return nil
    }
}

/// RFC 4180 CSV: a record starts after a line break (LF, CRLF or a bare CR) that is outside
/// quotes. The quote rules are the parser's (``CSVRecordBoundary``): a quote opens a quoted
/// field only at the start of a field, `""` inside one is an escaped quote, and a quote
/// anywhere else is data of a malformed field that ends at the next line break.
///
/// Why it is fast: inside quotes only the next quote matters (found with `memchr`); outside
/// them only quotes and line breaks (found eight bytes at a time). Whether a quote starts a
/// field is told by the byte before it. Line numbers are counted separately, over the bytes
/// passed, because line breaks inside quotes count too.
struct CSVBoundaryScanner: RecordBoundaryScanner {
    private let window: FileWindow
    private let delimiter: UInt8
    private(set) var offset: Int64
    private(set) var line: Int

    /// Starts at `offset`, a record start on line `line`.
    init(window: FileWindow, delimiter: UInt8, offset: Int64, line: Int) {
        self.window = window
        self.delimiter = delimiter
        self.offset = offset
        self.line = line
    }

    private enum State { case outside, quoted }

    mutating func advance(toRecordStartAtOrAfter target: Int64, before limit: Int64) throws -> (offset: Int64, line: Int)? {
        guard target > offset else { return (offset, line) }
        var state = State.outside
        var position = offset
        var previous: UInt8? = nil   // the byte before `position`; nil at a record start
        while position < limit {
            let block = try window.bytes(at: position, limit: Int(min(limit - position, Int64(Int.max))))
            guard !block.isEmpty else { return nil }
            var index = 0
            while index < block.count {
                switch state {
                case .quoted:
                    guard let found = memchr(block.baseAddress! + index, 0x22, block.count - index) else {
                        index = block.count
                        continue
                    }
                    let quote = block.baseAddress!.distance(to: UnsafeRawPointer(found))
                    let after = quote + 1 < block.count ? block[quote + 1] : try window.byte(at: position + Int64(quote) + 1)
                    if after == 0x22 {
                        index = quote + 2   // an escaped quote; may step past the block, handled below
                    } else {
                        state = .outside
                        index = quote + 1
                    }
                case .outside:
                    let special = Self.nextSpecial(block, from: index)
                    guard special < block.count else { index = block.count; continue }
                    let byte = block[special]
                    if byte == 0x22 {
                        let before = special > 0 ? block[special - 1] : (special == 0 && index == 0 ? previous : nil)
                        if before == nil || before == delimiter || before == 0x0A || before == 0x0D { state = .quoted }
                        index = special + 1
                        continue
                    }
                    var end = position + Int64(special) + 1
                    if byte == 0x0D {
                        let after = special + 1 < block.count ? block[special + 1] : try window.byte(at: end)
                        if after == 0x0A { end += 1 }
                    }
                    if end >= limit { return nil }
                    if end >= target { return try settle(at: end) }
                    index = Int(end - position)
                }
            }
            // `previous` is the last byte of this block, unless a step went past it.
            previous = index == block.count ? block[block.count - 1] : nil
            position += Int64(index)
        }
        return nil
    }

    /// Moves to `start`, counting the lines passed.
    private mutating func settle(at start: Int64) throws -> (offset: Int64, line: Int) {
        var position = offset
        while position < start {
            let block = try window.bytes(at: position, limit: Int(start - position))
            guard !block.isEmpty else { break }
            // A CR at the end of a block whose LF starts the next one is counted with the LF.
            let following = try window.byte(at: position + Int64(block.count))
            line += LineBreakCounting.csvLineBreaks(in: block, next: following)
            position += Int64(block.count)
        }
        offset = start
        return (offset, line)
    }

    /// The index of the first quote, LF or CR at or after `from`; `bytes.count` if none.
    private static func nextSpecial(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var index = from
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let flags = LineBreakCounting.equalBytes(word, 0x2222_2222_2222_2222)
                | LineBreakCounting.equalBytes(word, 0x0A0A_0A0A_0A0A_0A0A)
                | LineBreakCounting.equalBytes(word, 0x0D0D_0D0D_0D0D_0D0D)
            if flags != 0 { return index + flags.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x0A || byte == 0x0D { return index }
            index += 1
        }
        return bytes.count
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

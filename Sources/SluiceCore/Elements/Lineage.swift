/// Where the elements a source read came from: for each, the file or URL, the line, and the
/// raw text it was read from. Shared, never copied, by every chunk derived from the source's
/// chunk, so that a stage far downstream can name the file and line of a record it rejects
/// and keep its original input.
public final class SourceLines: Sendable {
    /// One element's origin.
    public struct Entry: Sendable {
        /// Index into ``SourceLines/origins``; -1 when unknown.
        public var origin: Int32
        /// The line (or position) the element starts at; 0 when unknown.
        public var line: Int
        /// Where its raw text starts in ``SourceLines/text``; -1 when it has none.
        public var start: Int
        /// The raw text's length in bytes.
        public var length: Int

        /// An entry.
        @inlinable public init(origin: Int32, line: Int, start: Int, length: Int) {
            self.origin = origin
            self.line = line
            self.start = start
            self.length = length
        }
    }

    /// The files and URLs, each once.
    public let origins: [String]
    /// The raw text of every element, back to back.
    public let text: [UInt8]
    /// One entry per element of the source's chunk.
    public let entries: [Entry]

    @usableFromInline init(origins: [String], text: [UInt8], entries: [Entry]) {
        self.origins = origins
        self.text = text
        self.entries = entries
    }

    /// Where the element of `entry` was read; `nil` when unknown.
    public func location(_ entry: Int) -> SourceLocation? {
        let item = entries[entry]
        guard item.origin >= 0 else { return nil }
        return SourceLocation(origin: origins[Int(item.origin)], line: item.line > 0 ? item.line : nil)
    }

    /// The raw text of the element of `entry`; `nil` when the source kept none.
    public func rawText(_ entry: Int) -> String? {
        let item = entries[entry]
        guard item.start >= 0 else { return nil }
        return text.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[item.start..<(item.start + item.length)]), as: UTF8.self) }
    }
}

/// Collects a source's ``SourceLines`` for one chunk as its elements are emitted.
public struct SourceLinesBuilder: Sendable {
    @usableFromInline var origins: [String] = []
    @usableFromInline var text: [UInt8] = []
    @usableFromInline var entries: [SourceLines.Entry] = []
    /// Elements of unknown origin before the first known one: a source that knows none (a
    /// collection, a generator) then builds nothing.
    @usableFromInline var unknownSoFar = 0

    /// An empty builder.
    @inlinable public init() {}

    /// Records the origin of the next element: `origin` (a file or URL), `line`, and `raw`,
    /// the bytes it was read from.
    @inlinable public mutating func append(origin: String, line: Int, raw: UnsafeRawBufferPointer?) {
        while unknownSoFar > 0 {
            entries.append(.init(origin: -1, line: 0, start: -1, length: 0))
            unknownSoFar -= 1
        }
        if origins.last != origin { origins.append(origin) }
        var start = -1
        if let raw {
            start = text.count
            text.append(contentsOf: raw)
        }
        entries.append(.init(origin: Int32(origins.count - 1), line: line, start: start, length: raw?.count ?? 0))
    }

    /// Records that the next element's origin is unknown.
    @inlinable public mutating func appendUnknown() {
        if entries.isEmpty {
            unknownSoFar += 1
        } else {
            entries.append(.init(origin: -1, line: 0, start: -1, length: 0))
        }
    }

    /// The lines collected, for a chunk; the builder starts again empty.
    @inlinable public mutating func take() -> SourceLines? {
        defer {
            origins.removeAll(keepingCapacity: true)
            text.removeAll(keepingCapacity: true)
            entries.removeAll(keepingCapacity: true)
            unknownSoFar = 0
        }
        // Entries exist only from the first element of known origin on.
        guard !entries.isEmpty else { return nil }
        return SourceLines(origins: origins, text: text, entries: entries)
    }
}

/// The origins of a chunk's elements: which entry of a source's ``SourceLines`` each came
/// from, carried from stage to stage as elements are mapped, filtered and partitioned.
public struct Lineage: Sendable {
    /// The source's lines.
    public let lines: SourceLines
    /// For each element, its entry in `lines` (-1 when unknown); `nil` when element `i` is
    /// entry `i`.
    public let entries: [Int32]?

    /// Lineage that is the source's own: element `i` is entry `i`.
    @inlinable public init(_ lines: SourceLines) {
        self.lines = lines
        self.entries = nil
    }

    @inlinable init(lines: SourceLines, entries: [Int32]?) {
        self.lines = lines
        self.entries = entries
    }

    /// The entry of element `element`, or `nil` when unknown.
    @inlinable public func entry(of element: Int) -> Int? {
        guard let entries else { return element < lines.entries.count ? element : nil }
        guard element < entries.count, entries[element] >= 0 else { return nil }
        return Int(entries[element])
    }

    /// Lineage for the elements made from the elements at `positions` (-1: from none known),
    /// in order; `nil` when none is known.
    @inlinable public func selecting(_ positions: [Int32]) -> Lineage? {
        var known = false
        let mapped = positions.map { position -> Int32 in
            guard position >= 0, let entry = entry(of: Int(position)) else { return -1 }
            known = true
            return Int32(entry)
        }
        return known ? Lineage(lines: lines, entries: mapped) : nil
    }
}

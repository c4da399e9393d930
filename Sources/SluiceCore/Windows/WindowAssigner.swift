/// Which event-time windows an element belongs to.
///
/// - ``tumbling(_:)``: fixed, back-to-back windows (`[0, 60s)`, `[60s, 120s)`, …).
/// - ``sliding(_:every:)``: fixed windows that start every `slide`, so they overlap.
/// - ``session(gap:)``: per key, activity separated by at least `gap` of silence.
///
/// Windows are half-open, `[start, end)`, aligned to the Unix epoch.
public struct WindowAssigner: Sendable, Hashable, CustomStringConvertible {
    @usableFromInline enum Kind: Sendable, Hashable {
        case tumbling(size: Int64)
        case sliding(size: Int64, slide: Int64)
        case session(gap: Int64)
    }
    @usableFromInline let kind: Kind

    @usableFromInline static func milliseconds(_ duration: Duration) -> Int64 { duration.wholeMilliseconds }

    /// Back-to-back windows of `size`.
    public static func tumbling(_ size: Duration) -> WindowAssigner {
        WindowAssigner(kind: .tumbling(size: milliseconds(size)))
    }

    /// Windows of `size` starting every `slide`.
    public static func sliding(_ size: Duration, every slide: Duration) -> WindowAssigner {
        WindowAssigner(kind: .sliding(size: milliseconds(size), slide: milliseconds(slide)))
    }

    /// Per-key sessions that close after `gap` without elements.
    public static func session(gap: Duration) -> WindowAssigner {
        WindowAssigner(kind: .session(gap: milliseconds(gap)))
    }

    /// What is wrong with the assigner, if anything.
    @usableFromInline var problem: String? {
        switch kind {
        case .tumbling(let size) where size <= 0: return "a tumbling window needs a positive size"
        case .sliding(let size, let slide) where size <= 0 || slide <= 0: return "a sliding window needs a positive size and slide"
        case .session(let gap) where gap <= 0: return "a session window needs a positive gap"
        default: return nil
        }
    }

    /// Starts of the fixed windows containing `time` (tumbling and sliding), latest first.
    @inlinable func windowStarts(containing time: Int64, into starts: inout [Int64]) {
        starts.removeAll(keepingCapacity: true)
        switch kind {
        case .tumbling(let size):
            starts.append(time - Self.positiveModulo(time, size))
        case .sliding(let size, let slide):
            var start = time - Self.positiveModulo(time, slide)
            while start > time - size {
                starts.append(start)
                start -= slide
            }
        case .session:
            break
        }
    }

    /// The length of the fixed windows; for sessions, the gap.
    @inlinable var length: Int64 {
        switch kind {
        case .tumbling(let size): return size
        case .sliding(let size, _): return size
        case .session(let gap): return gap
        }
    }

    @inlinable var isSession: Bool {
        if case .session = kind { return true }
        return false
    }

    @inlinable static func positiveModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    public var description: String {
        switch kind {
        case .tumbling(let size): return "tumbling \(size) ms"
        case .sliding(let size, let slide): return "sliding \(size) ms every \(slide) ms"
        case .session(let gap): return "session gap \(gap) ms"
        }
    }
}

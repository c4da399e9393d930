/// What a stage does with a record it cannot process.
///
/// ```swift
/// Map(parseOrder).onError(.deadLetter)   // keep going, keep the bad row for later
/// ```
public struct ErrorPolicy: Hashable, Sendable, CustomStringConvertible {
    @usableFromInline enum Kind: Hashable, Sendable { case fail, skip, deadLetter }
    @usableFromInline let kind: Kind

    @usableFromInline init(_ kind: Kind) { self.kind = kind }

    /// The first bad record fails the run (the default).
    public static let fail = ErrorPolicy(.fail)
    /// Bad records are dropped and counted in the run report.
    public static let skip = ErrorPolicy(.skip)
    /// Bad records go to the pipeline's dead-letter sink with the stage, the error and the
    /// raw input, and are counted in the run report.
    public static let deadLetter = ErrorPolicy(.deadLetter)

    public var description: String {
        switch kind {
        case .fail: return "fail"
        case .skip: return "skip"
        case .deadLetter: return "dead-letter"
        }
    }
}

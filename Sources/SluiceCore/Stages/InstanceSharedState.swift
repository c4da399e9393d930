import Synchronization

/// One object that the instances of a stage share for one run: how parallel instances divide
/// work that none of them owns alone, such as the byte ranges of the files a source reads.
///
/// ```swift
/// let queue = context.shared.value { WorkQueue() }   // the same queue for every instance
/// ```
///
/// The runtime gives every stage a fresh one for each run (and each restart of a run), so
/// nothing leaks from one run into the next.
public final class InstanceSharedState: Sendable {
    private let stored = Mutex<(any AnyObject & Sendable)?>(nil)

    /// Creates an empty one.
    public init() {}

    /// The shared object: made by `make` for the first instance that asks, handed to every
    /// later one. Asking for another type than the first instance made is a programming
    /// error and traps.
    public func value<T: AnyObject & Sendable>(_ make: () throws -> T) rethrows -> T {
        try stored.withLock { stored in
            if let existing = stored { return existing as! T }
            let made = try make()
            stored = made
            return made
        }
    }
}

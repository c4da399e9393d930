import Synchronization
import SluiceCore

/// Keeps the dead letters of a run that has no dead-letter sink, for the run report.
final class DeadLetterStore: Sendable {
    private let letters = Mutex<[DeadLetter]>([])

    func append(_ new: [DeadLetter]) {
        guard !new.isEmpty else { return }
        letters.withLock { $0.append(contentsOf: new) }
    }

    var all: [DeadLetter] { letters.withLock { $0 } }
}

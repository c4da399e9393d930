import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import SluiceCore

/// Sends one request on URLSession and returns the whole answer, with two guarantees the
/// completion-handler API does not give on every platform: redirects are never followed
/// (the 3xx answer comes back, so the caller decides what a redirect may carry), and
/// `timeout` bounds the whole exchange, not just the silence between two packets.
final class HTTPTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// Why an exchange ended without an answer.
    enum Failure: Error {
        case timedOut(Duration)
        case transport(String)
    }

    private struct Pending {
        var continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>
        var data = Data()
        var response: HTTPURLResponse?
        var timedOut: Duration?
    }

    private let pending = Mutex<[Int: Pending]>([:])
    // Set once in `init`, before any task exists; the session holds the delegate strongly,
    // so ``invalidate()`` breaks the cycle.
    private var session: URLSession!

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Ends the session once its tasks are done.
    func invalidate() { session.finishTasksAndInvalidate() }

    /// The answer to `request`, read whole within `timeout`.
    func exchange(_ request: URLRequest, timeout: Duration) async throws -> (Data, HTTPURLResponse) {
        var request = request
        request.timeoutInterval = max(1, Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        let task = session.dataTask(with: request)
        let id = task.taskIdentifier
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.pending.withLock { $0[id]?.timedOut = timeout }
            task.cancel()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending.withLock { $0[id] = Pending(continuation: continuation) }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        pending.withLock { $0[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        pending.withLock { $0[dataTask.taskIdentifier]?.data.append(data) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let done = pending.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let timeout = done.timedOut {
            done.continuation.resume(throwing: Failure.timedOut(timeout))
        } else if let error {
            if (error as? URLError)?.code == .cancelled {
                done.continuation.resume(throwing: CancellationError())
            } else {
                done.continuation.resume(throwing: Failure.transport(error.localizedDescription))
            }
        } else if let response = done.response ?? (task.response as? HTTPURLResponse) {
            done.continuation.resume(returning: (done.data, response))
        } else {
            done.continuation.resume(throwing: Failure.transport("not an HTTP response"))
        }
    }
}

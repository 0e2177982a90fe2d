import NIOCore
import Synchronization

extension NIOLoopBound {
    /// Suspends until `body` resumes the continuation it is given. `body`
    /// runs on the value's event loop: at once when the caller already is
    /// there (the common case for handlers), otherwise hopped to. Cancelling
    /// the waiting task runs `onCancel` on the loop, which must make the
    /// continuation resume (with an error, typically); a cancellation that
    /// reaches the loop before `body` does fails the wait at once.
    func suspend<T: Sendable>(
        _ body: @escaping @Sendable (Value, CheckedContinuation<T, any Error>) -> Void,
        onCancel: @escaping @Sendable (Value) -> Void
    ) async throws -> T {
        let cancelled = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let run: @Sendable () -> Void = {
                    if cancelled.isSet {
                        continuation.resume(throwing: RPCError(.cancelled, "the call was cancelled"))
                    } else {
                        body(self.value, continuation)
                    }
                }
                if eventLoop.inEventLoop { run() } else { eventLoop.execute(run) }
            }
        } onCancel: {
            eventLoop.execute {
                cancelled.set()
                onCancel(self.value)
            }
        }
    }
}

/// Set once, on the event loop, when a waiting task is cancelled.
private final class CancellationFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

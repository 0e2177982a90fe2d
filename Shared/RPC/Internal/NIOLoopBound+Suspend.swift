import NIOCore

extension NIOLoopBound {
    /// Suspends until `body` resumes the continuation it is given. `body`
    /// runs on the value's event loop: at once when the caller already is
    /// there (the common case for handlers), otherwise hopped to. Cancelling
    /// the waiting task runs `onCancel` on the loop, which must make the
    /// continuation resume (with an error, typically).
    func suspend<T: Sendable>(
        _ body: @escaping @Sendable (Value, CheckedContinuation<T, any Error>) -> Void,
        onCancel: @escaping @Sendable (Value) -> Void
    ) async throws -> T {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if eventLoop.inEventLoop {
                    body(value, continuation)
                } else {
                    eventLoop.execute { body(self.value, continuation) }
                }
            }
        } onCancel: {
            eventLoop.execute { onCancel(self.value) }
        }
    }
}

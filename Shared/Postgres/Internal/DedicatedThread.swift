import Foundation

/// Runs a blocking call on a new thread of its own and awaits its result,
/// so the calling task's cooperative thread stays free.
///
/// Used only for libpq calls that block and are rare: establishing a
/// connection (name resolution, authentication) and sending a cancel
/// request. A thread per call keeps a slow connect from delaying a cancel.
enum DedicatedThread {
    static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result(catching: body))
            }
        }
    }

    /// Starts `body` on a new thread without waiting for it.
    static func start(_ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread(body)
    }
}

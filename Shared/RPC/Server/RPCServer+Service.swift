import NIOCore
import ServiceLifecycle

extension RPCServer: Service {
    /// Serves until the ``ServiceGroup`` running it shuts down gracefully
    /// (SIGTERM or SIGINT), then drains: GOAWAY, in-flight calls get 10 s to
    /// finish, then close.
    public func run() async throws {
        try await run(drainTimeout: .seconds(10))
    }

    /// ``run()`` with a drain of `drainTimeout`; `onStarted` gets the bound
    /// address, `beforeDrain` runs when shutdown begins (to end streams that
    /// would hold the drain open).
    public func run(drainTimeout: Duration, onStarted: @Sendable (SocketAddress) -> Void = { _ in },
                    beforeDrain: @Sendable () -> Void = {}) async throws {
        onStarted(try await start())
        // Returns on graceful shutdown, throws on cancellation: both end the serving.
        try? await gracefulShutdown()
        beforeDrain()
        await shutdown(drainTimeout: drainTimeout)
    }
}

import ServiceLifecycle

/// A member of a service binary's ``ServiceGroup`` given as a closure: the
/// server, the readiness loop, or a shutdown step that waits for graceful
/// shutdown and then stops one resource. The group shuts its members down in
/// reverse order, each after the one behind it has returned.
struct ServiceTask: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        try await body()
    }

    /// A member that does nothing until graceful shutdown (or cancellation),
    /// then runs `step`.
    static func onShutdown(_ step: @escaping @Sendable () async -> Void) -> ServiceTask {
        ServiceTask {
            try? await gracefulShutdown()
            await step()
        }
    }
}

/// Runs around every call a server handles: authentication, logging,
/// metrics, request ids.
///
/// An interceptor calls `next` to continue (to the next interceptor, then
/// the handler) and sees the outcome as `next` returns or throws. Throwing
/// without calling `next` rejects the call with that error's status.
public protocol RPCServerInterceptor: Sendable {
    func intercept(context: RPCServerContext, next: () async throws -> Void) async throws
}

extension Array where Element == any RPCServerInterceptor {
    /// Runs `handler` inside every interceptor, first to last.
    func run(context: RPCServerContext, from index: Int = 0, handler: () async throws -> Void) async throws {
        guard index < count else { return try await handler() }
        try await self[index].intercept(context: context) {
            try await run(context: context, from: index + 1, handler: handler)
        }
    }
}

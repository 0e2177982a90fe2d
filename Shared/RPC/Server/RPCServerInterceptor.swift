/// Runs around every call a server handles: authentication, logging,
/// metrics, request ids.
///
/// An interceptor calls `next` to continue (to the next interceptor, then
/// the handler) and sees the outcome as `next` returns or throws. Throwing
/// without calling `next` rejects the call with that error's status.
public protocol RPCServerInterceptor: Sendable {
    func intercept(context: RPCServerContext, next: () async throws -> Void) async throws
}

extension RPCServerInterceptor {
    /// Runs `next`, then hands `record` the status code the call ended with
    /// and how long it took, and rethrows what `next` threw: the skeleton of
    /// logging and metrics interceptors.
    public func measure(_ next: () async throws -> Void,
                        record: (_ code: RPCStatus.Code, _ elapsed: Duration) -> Void) async throws {
        let start = ContinuousClock.now
        do {
            try await next()
        } catch {
            record(RPCStatus(error: error).code, ContinuousClock.now - start)
            throw error
        }
        record(.ok, ContinuousClock.now - start)
    }
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

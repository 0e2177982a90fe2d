/// What a client interceptor sees of a call, and may change before it starts.
public struct RPCClientCallContext: Sendable {
    /// `/pkg.Service/Method`.
    public let path: String
    public let kind: RPCKind
    /// Metadata the request headers will carry.
    public var metadata: Metadata
    /// The call's deadline, after combining options and the inherited deadline.
    public var deadline: ContinuousClock.Instant?
}

/// Runs around every call a channel makes: add credentials or request ids to
/// the metadata, record metrics, log. Calling `next` performs the call (for
/// streaming calls, until they end); throwing instead aborts it.
public protocol RPCClientInterceptor: Sendable {
    func intercept(context: RPCClientCallContext, next: (RPCClientCallContext) async throws -> Void) async throws
}

extension Array where Element == any RPCClientInterceptor {
    func run(context: RPCClientCallContext, from index: Int = 0,
             call: (RPCClientCallContext) async throws -> Void) async throws {
        guard index < count else { return try await call(context) }
        try await self[index].intercept(context: context) { context in
            try await run(context: context, from: index + 1, call: call)
        }
    }
}

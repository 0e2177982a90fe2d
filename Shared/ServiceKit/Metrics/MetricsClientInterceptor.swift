import RPC

/// Records every call a service makes to another (its upstreams):
/// `grpc_client_started_total`, `grpc_client_handled_total` by code, and
/// `grpc_client_handling_seconds`.
public struct MetricsClientInterceptor: RPCClientInterceptor {
    private let metrics: CallMetrics

    public init(registry: MetricsRegistry) {
        metrics = CallMetrics(registry: registry, side: "client")
    }

    public func intercept(context: RPCClientCallContext, next: (RPCClientCallContext) async throws -> Void) async throws {
        metrics.started(path: context.path, kind: context.kind)
        let start = ContinuousClock.now
        do {
            try await next(context)
        } catch {
            metrics.handled(path: context.path, kind: context.kind, code: RPCStatus(error: error).code,
                            elapsed: ContinuousClock.now - start)
            throw error
        }
        metrics.handled(path: context.path, kind: context.kind, code: .ok, elapsed: ContinuousClock.now - start)
    }
}

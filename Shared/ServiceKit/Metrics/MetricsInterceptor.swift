import RPC

/// Records every call the server handles: `grpc_server_started_total`,
/// `grpc_server_handled_total` by code, and `grpc_server_handling_seconds`.
public struct MetricsInterceptor: RPCServerInterceptor {
    private let metrics: CallMetrics

    public init(registry: MetricsRegistry) {
        metrics = CallMetrics(registry: registry, side: "server")
    }

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        metrics.started(path: context.path, kind: context.kind)
        try await measure(next) { code, elapsed in
            metrics.handled(path: context.path, kind: context.kind, code: code, elapsed: elapsed)
        }
    }
}

import RPC

/// Counts every call and records its latency by method and status code.
public struct MetricsInterceptor: RPCServerInterceptor {
    private let registry: MetricsRegistry

    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        try await measure(next) { code, elapsed in
            let (seconds, attoseconds) = elapsed.components
            registry.record(method: context.path, code: code.name, seconds: Double(seconds) + Double(attoseconds) / 1e18)
        }
    }
}

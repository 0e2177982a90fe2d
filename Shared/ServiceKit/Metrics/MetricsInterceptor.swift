import RPC

/// Counts every call and records its latency by method and status code.
public struct MetricsInterceptor: RPCServerInterceptor {
    private let registry: MetricsRegistry

    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        let start = ContinuousClock.now
        var code = RPCStatus.Code.ok
        defer {
            let (seconds, attoseconds) = (ContinuousClock.now - start).components
            registry.record(method: context.path, code: code.name, seconds: Double(seconds) + Double(attoseconds) / 1e18)
        }
        do {
            try await next()
        } catch {
            code = RPCStatus(error: error).code
            throw error
        }
    }
}

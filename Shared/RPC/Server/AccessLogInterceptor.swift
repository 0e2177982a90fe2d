import Logging

/// Logs one line per call at info level: method, status, duration, peer.
public struct AccessLogInterceptor: RPCServerInterceptor {
    private let logger: Logger
    private let quietServices: Set<String>

    /// - Parameter quietServices: services whose calls are logged at debug
    ///   level instead, such as `grpc.health.v1.Health`, which orchestrators
    ///   poll every few seconds.
    public init(logger: Logger, quietServices: Set<String> = []) {
        self.logger = logger
        self.quietServices = quietServices
    }

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        try await measure(next) { code, elapsed in
            logger.log(level: quietServices.contains(context.service) ? .debug : .info, "rpc", metadata: [
                "method": "\(context.path)",
                "status": "\(code.name)",
                "duration_ms": "\(Self.milliseconds(elapsed))",
                "peer": "\(context.peer)",
            ])
        }
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

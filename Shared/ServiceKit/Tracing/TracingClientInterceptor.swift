import Instrumentation
import RPC
import Tracing

/// A client span per call to another service, its context sent along in
/// the call's metadata (`traceparent`) so the callee's spans join the trace.
public struct TracingClientInterceptor: RPCClientInterceptor {
    public init() {}

    public func intercept(context: RPCClientCallContext, next: (RPCClientCallContext) async throws -> Void) async throws {
        let (service, method) = RPCPath.names(in: context.path)
        try await withSpan(String(context.path.dropFirst()), ofKind: .client) { span in
            span.attributes["rpc.system"] = "grpc"
            span.attributes["rpc.service"] = service
            span.attributes["rpc.method"] = method
            var context = context
            InstrumentationSystem.instrument.inject(span.context, into: &context.metadata, using: MetadataInjector())
            try await span.recordingStatus { try await next(context) }
        }
    }
}

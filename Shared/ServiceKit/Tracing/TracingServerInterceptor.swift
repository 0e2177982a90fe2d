import Instrumentation
import RPC
import ServiceContextModule
import Tracing

/// A server span per call, continuing the caller's trace when its metadata
/// carries one (`traceparent`). The handler runs inside the span, so the
/// calls and statements it makes become its children.
public struct TracingServerInterceptor: RPCServerInterceptor {
    public init() {}

    public func intercept(context: RPCServerContext, next: () async throws -> Void) async throws {
        var parent = ServiceContextModule.ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(context.metadata, into: &parent, using: MetadataExtractor())
        try await withSpan(String(context.path.dropFirst()), context: parent, ofKind: .server) { span in
            span.attributes["rpc.system"] = "grpc"
            span.attributes["rpc.service"] = context.service
            span.attributes["rpc.method"] = context.method
            try await span.recordingStatus(next)
        }
    }
}

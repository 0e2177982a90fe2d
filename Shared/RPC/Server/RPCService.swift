import NIOCore
import Protobuf

/// A service's methods, routed by name. Generated handler protocols build
/// one (`handler.rpcService`); servers mount any number of them.
public struct RPCService: Sendable {
    /// The fully qualified service name.
    public let name: String
    let methods: [String: RPCMethodHandler]

    public init(name: String, methods: [RPCMethodHandler]) {
        self.name = name
        self.methods = Dictionary(methods.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }
}

/// One method of a service: how to decode its requests, run the handler and
/// encode its responses.
public struct RPCMethodHandler: Sendable {
    let name: String
    let kind: RPCKind
    let idempotency: RPCIdempotency
    let run: @Sendable (ServerCallHandle) async throws -> Void

    /// - Parameter kind: the shape the handler serves (which the method's
    ///   descriptor should agree with).
    private init(_ method: RPCMethod<some ProtobufMessage, some ProtobufMessage>, kind: RPCKind,
                 run: @escaping @Sendable (ServerCallHandle) async throws -> Void) {
        name = method.name
        self.kind = kind
        idempotency = method.idempotency
        self.run = run
    }

    /// A unary method: one request, one response.
    public static func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request, RPCServerContext) async throws -> Response
    ) -> RPCMethodHandler {
        RPCMethodHandler(method, kind: .unary) { call in
            let request = try call.singleRequest(as: Request.self)
            let response = try await handler(request, call.context)
            try await call.send(response, compress: nil)
        }
    }

    /// A server-streaming method: one request, a stream of responses.
    public static func serverStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request, RPCResponseWriter<Response>, RPCServerContext) async throws -> Void
    ) -> RPCMethodHandler {
        RPCMethodHandler(method, kind: .serverStreaming) { call in
            let request = try call.singleRequest(as: Request.self)
            try await handler(request, RPCResponseWriter(call: call), call.context)
        }
    }

    /// A client-streaming method: a stream of requests, one response.
    public static func clientStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (RPCRequestStream<Request>, RPCServerContext) async throws -> Response
    ) -> RPCMethodHandler {
        RPCMethodHandler(method, kind: .clientStreaming) { call in
            let response = try await handler(RPCRequestStream(call: call), call.context)
            try await call.send(response, compress: nil)
        }
    }

    /// A bidirectional-streaming method.
    public static func bidirectionalStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (RPCRequestStream<Request>, RPCResponseWriter<Response>, RPCServerContext) async throws -> Void
    ) -> RPCMethodHandler {
        RPCMethodHandler(method, kind: .bidirectionalStreaming) { call in
            try await handler(RPCRequestStream(call: call), RPCResponseWriter(call: call), call.context)
        }
    }
}

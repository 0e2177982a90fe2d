import HTTP2
import Logging
import NIOCore
import NIOPosix
import Protobuf

/// A client's connection to one service: several HTTP/2 connections to
/// every address the target resolves to, calls spread round-robin, lost
/// connections remade with backoff.
///
/// ```swift
/// let channel = try RPCChannel(target: "localhost:50051")
/// let catalog = CatalogServiceClient(channel: channel)
/// let product = try await catalog.getProduct(.with { $0.id = 42 })
/// ```
public final class RPCChannel: Sendable {
    public struct Configuration: Sendable {
        /// HTTP/2 connections kept to each resolved address.
        public var connectionsPerAddress: Int
        /// How long a connection attempt may take.
        public var connectTimeout: Duration
        /// Waits between failed connection attempts.
        public var backoff: ConnectionBackoff
        /// The largest response message accepted.
        public var maxReceiveMessageSize: Int
        /// The largest request message sent.
        public var maxSendMessageSize: Int
        /// Local HTTP/2 settings (receive windows, header list size).
        public var http2: HTTP2Settings
        /// Ping idle connections to detect dead ones: interval and timeout.
        public var keepalive: (interval: Duration, timeout: Duration)?
        /// Run around every call, first to last.
        public var interceptors: [any RPCClientInterceptor]
        /// Attempts for a call the server refused before processing it
        /// (REFUSED_STREAM, or above a GOAWAY's last stream id).
        public var maxTransparentRetries: Int
        /// The `user-agent` header.
        public var userAgent: String

        public init(connectionsPerAddress: Int = 2,
                    connectTimeout: Duration = .seconds(20),
                    backoff: ConnectionBackoff = ConnectionBackoff(),
                    maxReceiveMessageSize: Int = 4 * 1024 * 1024,
                    maxSendMessageSize: Int = 4 * 1024 * 1024,
                    http2: HTTP2Settings = HTTP2Settings(maxConcurrentStreams: 100),
                    keepalive: (interval: Duration, timeout: Duration)? = nil,
                    interceptors: [any RPCClientInterceptor] = [],
                    maxTransparentRetries: Int = 2,
                    userAgent: String = "restaurant-rpc-swift/1.0") {
            self.connectionsPerAddress = connectionsPerAddress
            self.connectTimeout = connectTimeout
            self.backoff = backoff
            self.maxReceiveMessageSize = maxReceiveMessageSize
            self.maxSendMessageSize = maxSendMessageSize
            self.http2 = http2
            self.keepalive = keepalive
            self.interceptors = interceptors
            self.maxTransparentRetries = maxTransparentRetries
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration
    private let target: RPCTarget
    private let balancer: LoadBalancer

    /// A channel to `target` (`host:port`, `[::1]:port`, `dns:///host:port`).
    /// Nothing connects until the first call.
    public init(target: String, configuration: Configuration = Configuration(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        precondition(configuration.connectionsPerAddress >= 1, "connectionsPerAddress must be at least 1")
        self.configuration = configuration
        do {
            self.target = try RPCTarget(parsing: target)
        } catch {
            throw RPCError(.invalidArgument, "invalid target '\(target)': \(error.reason)")
        }
        self.balancer = LoadBalancer(target: self.target, configuration: configuration, group: group)
    }

    /// Closes every connection; calls in progress fail with UNAVAILABLE.
    public func close() {
        balancer.shutdown()
    }

    // MARK: Typed calls

    /// Performs a unary call.
    public func unary<Request, Response>(_ method: RPCMethod<Request, Response>, request: Request,
                                         options: CallOptions = CallOptions()) async throws -> Response {
        try await unaryCall(method, request: request, options: options).message
    }

    /// Performs a unary call, returning the response's metadata too.
    public func unaryCall<Request, Response>(_ method: RPCMethod<Request, Response>, request: Request,
                                             options: CallOptions = CallOptions()) async throws -> RPCUnaryResponse<Response> {
        try await performUnary(method.path, request: request, codec: codec(options), options: options)
    }

    /// Starts a server-streaming call when iteration begins; it is cancelled
    /// if iteration stops before the end.
    public func serverStreaming<Request, Response>(_ method: RPCMethod<Request, Response>, request: Request,
                                                   options: CallOptions = CallOptions()) -> RPCResponseStream<Response> {
        performServerStreaming(method.path, request: request, codec: codec(options), options: options)
    }

    /// Performs a client-streaming call: `requests` writes the requests, then
    /// the single response is returned.
    public func clientStreaming<Request, Response>(_ method: RPCMethod<Request, Response>,
                                                   options: CallOptions = CallOptions(),
                                                   requests: (RPCRequestWriter<Request>) async throws -> Void) async throws -> Response {
        try await performClientStreaming(method.path, codec: codec(options), options: options, requests: requests).message
    }

    /// Performs a bidirectional-streaming call. `body` writes requests and
    /// reads responses as it likes; the request side ends when `body`
    /// returns (or earlier with ``RPCRequestWriter/finish()``), and the call
    /// is cancelled if responses are still arriving then.
    public func bidirectionalStreaming<Request, Response, Result: Sendable>(
        _ method: RPCMethod<Request, Response>, options: CallOptions = CallOptions(),
        _ body: (RPCRequestWriter<Request>, RPCResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        try await performBidirectionalStreaming(method.path, codec: codec(options), options: options, body)
    }

    // MARK: Calls on encoded messages

    /// A unary call whose messages are already encoded: for dynamic clients
    /// that know a method only by its path and descriptors.
    public func unaryCall(path: String, request: ByteBuffer,
                          options: CallOptions = CallOptions()) async throws -> RPCUnaryResponse<ByteBuffer> {
        try await performUnary(path, request: request, codec: rawCodec(options), options: options)
    }

    /// A server-streaming call on encoded messages.
    public func serverStreaming(path: String, request: ByteBuffer,
                                options: CallOptions = CallOptions()) -> RPCResponseStream<ByteBuffer> {
        performServerStreaming(path, request: request, codec: rawCodec(options), options: options)
    }

    /// A client-streaming call on encoded messages.
    public func clientStreaming(path: String, options: CallOptions = CallOptions(),
                                requests: (RPCRequestWriter<ByteBuffer>) async throws -> Void) async throws -> RPCUnaryResponse<ByteBuffer> {
        try await performClientStreaming(path, codec: rawCodec(options), options: options, requests: requests)
    }

    /// A bidirectional-streaming call on encoded messages.
    public func bidirectionalStreaming<Result: Sendable>(
        path: String, options: CallOptions = CallOptions(),
        _ body: (RPCRequestWriter<ByteBuffer>, RPCResponseStream<ByteBuffer>) async throws -> Result
    ) async throws -> Result {
        try await performBidirectionalStreaming(path, codec: rawCodec(options), options: options, body)
    }

    // MARK: Call shapes

    private func performUnary<Request: Sendable, Response: Sendable>(_ path: String, request: Request, codec: MessageCodec<Request, Response>,
                                                 options: CallOptions) async throws -> RPCUnaryResponse<Response> {
        let framed = try codec.encode(request)
        var response: RPCUnaryResponse<Response>?
        try await intercepted(path, kind: .unary, options: options) { context in
            let completion = try await withTransparentRetries {
                try await open(path, context: context, options: options, message: framed, endStream: true).completion()
            }
            response = try Self.singleResponse(completion, codec: codec)
        }
        guard let response else { throw Self.interceptorSkippedCall(path) }
        return response
    }

    private func performServerStreaming<Request: Sendable, Response: Sendable>(_ path: String, request: Request, codec: MessageCodec<Request, Response>,
                                                           options: CallOptions) -> RPCResponseStream<Response> {
        let source = ResponseSource { [self] publish in
            let framed = try codec.encode(request)
            try await intercepted(path, kind: .serverStreaming, options: options) { context in
                // Readers get the call once it can no longer be refused.
                let call = try await withTransparentRetries {
                    let call = try await open(path, context: context, options: options, message: framed, endStream: true)
                    try await call.responseStarted()
                    return call
                }
                publish(call)
                try await Self.finish(call)
            }
        }
        return RPCResponseStream(source: source, decode: codec.decode)
    }

    private func performClientStreaming<Request: Sendable, Response: Sendable>(
        _ path: String, codec: MessageCodec<Request, Response>, options: CallOptions,
        requests: (RPCRequestWriter<Request>) async throws -> Void
    ) async throws -> RPCUnaryResponse<Response> {
        var response: RPCUnaryResponse<Response>?
        try await intercepted(path, kind: .clientStreaming, options: options) { context in
            let call = try await withTransparentRetries {
                try await open(path, context: context, options: options, message: nil, endStream: false)
            }
            do {
                try await requests(RPCRequestWriter(call: call, encode: codec.encode))
            } catch {
                throw Self.abandon(call, after: error)
            }
            call.finishRequests()
            response = try Self.singleResponse(try await call.completion(), codec: codec)
        }
        guard let response else { throw Self.interceptorSkippedCall(path) }
        return response
    }

    private func performBidirectionalStreaming<Request: Sendable, Response: Sendable, Result: Sendable>(
        _ path: String, codec: MessageCodec<Request, Response>, options: CallOptions,
        _ body: (RPCRequestWriter<Request>, RPCResponseStream<Response>) async throws -> Result
    ) async throws -> Result {
        var result: Result?
        try await intercepted(path, kind: .bidirectionalStreaming, options: options) { context in
            let call = try await withTransparentRetries {
                try await open(path, context: context, options: options, message: nil, endStream: false)
            }
            let writer = RPCRequestWriter(call: call, encode: codec.encode)
            let responses = RPCResponseStream(source: ResponseSource(call: call), decode: codec.decode)
            do {
                result = try await body(writer, responses)
            } catch {
                throw Self.abandon(call, after: error)
            }
            call.finishRequests()
            call.cancel()  // A no-op when the call already ended.
            let (status, trailers) = try await call.outcome()
            if status.code != .ok, status.code != .cancelled {
                throw RPCError(status.code, status.message, metadata: trailers)
            }
        }
        guard let result else { throw Self.interceptorSkippedCall(path) }
        return result
    }

    /// A client interceptor returned without calling `next`.
    static func interceptorSkippedCall(_ path: String) -> RPCError {
        RPCError(.internal, "a client interceptor ended the call to \(path) without making it or throwing")
    }

    /// The one response of a unary or client-streaming call, or its error.
    private static func singleResponse<Request, Response: Sendable>(_ completion: ClientStream.Completion,
                                                          codec: MessageCodec<Request, Response>) throws -> RPCUnaryResponse<Response> {
        let (status, trailers) = completion.outcome
        guard status.code == .ok else { throw RPCError(status.code, status.message, metadata: trailers) }
        guard completion.messages.count == 1 else {
            throw RPCError(.internal, "the server sent \(completion.messages.count) response messages, want 1")
        }
        return RPCUnaryResponse(message: try codec.decode(completion.messages[0]),
                                initialMetadata: completion.initialMetadata, trailingMetadata: trailers)
    }

    // MARK: Internals

    private func codec<Request: ProtobufMessage, Response: ProtobufMessage>(_ options: CallOptions) -> MessageCodec<Request, Response> {
        MessageCodec(compression: options.compression, maxSendMessageSize: configuration.maxSendMessageSize,
                     limits: DecodingLimits(maxMessageSize: configuration.maxReceiveMessageSize))
    }

    private func rawCodec(_ options: CallOptions) -> MessageCodec<ByteBuffer, ByteBuffer> {
        MessageCodec(compression: options.compression, maxSendMessageSize: configuration.maxSendMessageSize)
    }

    /// Cancels a call whose body failed. Cancellation of the calling task is
    /// reported as the call's CANCELLED status.
    private static func abandon(_ call: ClientCall, after error: any Error) -> any Error {
        call.cancel()
        return error is CancellationError ? RPCError(.cancelled, "the call was cancelled by the client") : error
    }

    /// Waits for the call to end; throws its status unless OK.
    static func finish(_ call: ClientCall) async throws {
        let (status, trailers) = try await call.outcome()
        guard status.code == .ok else { throw RPCError(status.code, status.message, metadata: trailers) }
    }

    private func intercepted(_ path: String, kind: RPCKind, options: CallOptions,
                             _ call: (RPCClientCallContext) async throws -> Void) async throws {
        let context = RPCClientCallContext(path: path, kind: kind, metadata: options.metadata,
                                           deadline: options.effectiveDeadline(now: .now))
        try await configuration.interceptors.run(context: context, call: call)
    }

    /// Runs `attempt` again, at most `maxTransparentRetries` more times, while
    /// it fails with ``ClientConnectionHandler/Refused``: nothing of the call
    /// was processed, so another connection may take it.
    private func withTransparentRetries<T>(_ attempt: () async throws -> T) async throws -> T {
        var retries = 0
        while true {
            do {
                return try await attempt()
            } catch let refused as ClientConnectionHandler.Refused {
                guard retries < configuration.maxTransparentRetries else { throw refused.error }
                retries += 1
            }
        }
    }

    /// Opens the call's stream on a connection the balancer picks. Throws
    /// ``ClientConnectionHandler/Refused`` when that connection no longer
    /// takes streams.
    private func open(_ path: String, context: RPCClientCallContext, options: CallOptions,
                      message: ByteBuffer?, endStream: Bool) async throws -> ClientCall {
        if let deadline = context.deadline, deadline <= .now {
            throw RPCError(.deadlineExceeded, "the deadline expired before the call to \(path) started")
        }
        let connection = try await balancer.pick(waitForReady: options.waitForReady, deadline: context.deadline)
        return try await ClientCall.open(on: connection, headers: headers(path, context: context, options: options),
                                         message: message, endStream: endStream, deadline: context.deadline)
    }

    private func headers(_ path: String, context: RPCClientCallContext, options: CallOptions) -> [HTTP2Header] {
        var headers = [
            HTTP2Header(":method", "POST"),
            HTTP2Header(":scheme", "http"),
            HTTP2Header(":path", path),
            HTTP2Header(":authority", target.authority),
            HTTP2Header("content-type", "application/grpc"),
            HTTP2Header("te", "trailers"),
            HTTP2Header("user-agent", configuration.userAgent),
            HTTP2Header("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingHeader),
        ]
        if options.compression == .gzip { headers.append(HTTP2Header("grpc-encoding", "gzip")) }
        if let deadline = context.deadline {
            headers.append(HTTP2Header("grpc-timeout", GRPCTimeout.encode(deadline - .now)))
        }
        for (name, value) in context.metadata.headerFields {
            headers.append(HTTP2Header(name, value, isSensitive: name == "authorization"))
        }
        return headers
    }
}

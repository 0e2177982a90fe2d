import HTTP2
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A gRPC server: HTTP/2 (nghttp2) on SwiftNIO sockets, every core in use.
///
/// ```swift
/// let server = RPCServer(configuration: .init(port: 50051), services: [catalog.rpcService])
/// try await server.start()
/// try await server.waitUntilStopped()
/// ```
public final class RPCServer: Sendable {
    /// Limits and timeouts. Defaults follow gRPC's where it has them.
    public struct Configuration: Sendable {
        /// The address to listen on.
        public var host: String
        /// The port; 0 picks a free one (see ``RPCServer/localAddress``).
        public var port: Int
        /// The largest request message accepted (RESOURCE_EXHAUSTED above it).
        public var maxReceiveMessageSize: Int
        /// The largest response message sent (RESOURCE_EXHAUSTED above it).
        public var maxSendMessageSize: Int
        /// HTTP/2 settings: SETTINGS_MAX_CONCURRENT_STREAMS, windows, header list size.
        public var http2: HTTP2Settings
        /// Handlers running at once per connection, including those of streams
        /// the client already reset. New streams beyond it are refused.
        public var maxConcurrentHandlersPerConnection: Int
        /// Close connections without calls for this long.
        public var connectionIdleTimeout: Duration?
        /// Ping clients this often to detect dead connections.
        public var keepaliveInterval: Duration?
        /// Close a connection whose ping is not acknowledged in this time.
        public var keepaliveTimeout: Duration
        /// Gracefully close connections older than this (±10%), so clients
        /// reconnect and rebalance across replicas.
        public var maxConnectionAge: Duration?
        /// How long calls may still run on a connection closed for age.
        public var maxConnectionAgeGrace: Duration
        /// RST_STREAM frames allowed per connection: a burst, then a rate per
        /// second. Beyond it: GOAWAY ENHANCE_YOUR_CALM (CVE-2023-44487).
        public var rapidResetLimit: (burst: Int, perSecond: Int)
        /// Run handlers on their connection's event loop (fastest: no thread
        /// hops) rather than on the global concurrent executor. Handlers must
        /// not block either way.
        public var runHandlersOnEventLoops: Bool
        /// Sent as the `server` header of every response
        /// (`catalog-service/1.0.0`), so clients and tools can tell what
        /// answered; nil sends none.
        public var serverName: String?

        public init(host: String = "0.0.0.0", port: Int = 0,
                    maxReceiveMessageSize: Int = 4 * 1024 * 1024,
                    maxSendMessageSize: Int = 4 * 1024 * 1024,
                    http2: HTTP2Settings = HTTP2Settings(),
                    maxConcurrentHandlersPerConnection: Int = 512,
                    connectionIdleTimeout: Duration? = .seconds(300),
                    keepaliveInterval: Duration? = .seconds(120),
                    keepaliveTimeout: Duration = .seconds(20),
                    maxConnectionAge: Duration? = .seconds(1800),
                    maxConnectionAgeGrace: Duration = .seconds(300),
                    rapidResetLimit: (burst: Int, perSecond: Int) = (200, 50),
                    runHandlersOnEventLoops: Bool = true,
                    serverName: String? = nil) {
            self.host = host
            self.port = port
            self.maxReceiveMessageSize = maxReceiveMessageSize
            self.maxSendMessageSize = maxSendMessageSize
            self.http2 = http2
            self.maxConcurrentHandlersPerConnection = maxConcurrentHandlersPerConnection
            self.connectionIdleTimeout = connectionIdleTimeout
            self.keepaliveInterval = keepaliveInterval
            self.keepaliveTimeout = keepaliveTimeout
            self.maxConnectionAge = maxConnectionAge
            self.maxConnectionAgeGrace = maxConnectionAgeGrace
            self.rapidResetLimit = rapidResetLimit
            self.runHandlersOnEventLoops = runHandlersOnEventLoops
            self.serverName = serverName
        }
    }

    public let configuration: Configuration
    private let router: ServerRouter
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }

    /// - Parameters:
    ///   - services: what to serve (generated handlers' `rpcService`).
    ///   - interceptors: run around every call, first to last.
    ///   - group: the event loops; the shared one with a thread per core by default.
    public init(configuration: Configuration, services: [RPCService], interceptors: [any RPCServerInterceptor] = [],
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "rpc.server")) {
        self.configuration = configuration
        self.router = ServerRouter(services: services, interceptors: interceptors)
        self.group = group
        self.logger = logger
    }

    /// Binds and starts accepting connections; returns the bound address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let configuration = self.configuration
        let router = self.router
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let executor = configuration.runHandlersOnEventLoops ? EventLoopTaskExecutor(eventLoop: channel.eventLoop) : nil
                    try channel.pipeline.syncOperations.addHandler(ServerConnectionHandler(
                        configuration: configuration, router: router, eventLoop: channel.eventLoop,
                        taskExecutor: executor, logger: logger))
                    self?.track(channel)
                }
            }
        let listener = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        state.withLock { $0.listener = listener }
        logger.info("listening", metadata: ["address": "\(listener.localAddress.map { "\($0)" } ?? "?")"])
        return listener.localAddress!
    }

    /// The bound address, once started.
    public var localAddress: SocketAddress? {
        state.withLock { $0.listener?.localAddress }
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.connections[id] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.state.withLock { $0.connections.removeValue(forKey: id) }
        }
    }

    /// Stops gracefully: stops accepting, sends GOAWAY on every connection,
    /// lets calls in progress finish for up to `drainTimeout`, then closes.
    public func shutdown(drainTimeout: Duration = .seconds(10)) async {
        let (listener, connections) = state.withLock { state in
            state.stopped = true
            return (state.listener, Array(state.connections.values))
        }
        try? await listener?.close()
        for channel in connections {
            channel.eventLoop.execute {
                // Every connection carries exactly one ServerConnectionHandler.
                let handler = try? channel.pipeline.syncOperations.handler(type: ServerConnectionHandler.self)
                handler?.beginDrain(timeout: drainTimeout)
            }
        }
        for channel in connections {
            try? await channel.closeFuture.get()
        }
        logger.info("stopped")
    }

    /// Returns once the listener has closed (after ``shutdown(drainTimeout:)``).
    public func waitUntilStopped() async throws {
        guard let listener = state.withLock({ $0.listener }) else { return }
        try await listener.closeFuture.get()
        let remaining = state.withLock { Array($0.connections.values) }
        for channel in remaining { try? await channel.closeFuture.get() }
    }
}

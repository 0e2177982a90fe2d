import Logging
import Synchronization

/// What a handler knows about the call it is serving, and how it shapes the
/// response's metadata and compression.
public final class RPCServerContext: Sendable {
    /// The request's `:path`, `/pkg.Service/Method`.
    public let path: String
    /// The fully qualified service name.
    public let service: String
    /// The method name.
    public let method: String
    public let kind: RPCKind
    /// What the method's `.proto` declares about its side effects.
    public let idempotency: RPCIdempotency
    /// Custom metadata the client sent.
    public let metadata: Metadata
    /// The client's address, such as `ipv4:127.0.0.1:51234`.
    public let peer: String
    /// When the client stops waiting, from its `grpc-timeout`.
    public let deadline: ContinuousClock.Instant?
    private let serverLogger: Logger

    /// A logger carrying the call's method and peer. Built on use: most
    /// calls never log, and metadata costs an allocation per call.
    public var logger: Logger {
        var logger = serverLogger
        logger[metadataKey: "rpc.method"] = "\(path)"
        logger[metadataKey: "peer"] = "\(peer)"
        return logger
    }

    private struct State {
        var initialMetadata = Metadata()
        var trailingMetadata = Metadata()
        var compressResponses = false
        var requestWasCompressed = false
    }

    private let state = Mutex(State())

    init(path: String, service: String, method: String, kind: RPCKind, idempotency: RPCIdempotency, metadata: Metadata,
         peer: String, deadline: ContinuousClock.Instant?, logger: Logger) {
        self.path = path
        self.service = service
        self.method = method
        self.kind = kind
        self.idempotency = idempotency
        self.metadata = metadata
        self.peer = peer
        self.deadline = deadline
        self.serverLogger = logger
    }

    /// Time left before the deadline, nil without one.
    public var remainingTime: Duration? {
        deadline.map { $0 - ContinuousClock.now }
    }

    /// Adds metadata to the response headers. Takes effect if added before the
    /// first response message is sent.
    public func addInitialMetadata(_ key: String, _ value: String) {
        state.withLock { $0.initialMetadata.add(key, value) }
    }

    /// Adds binary (`-bin`) metadata to the response headers.
    public func addInitialMetadata(_ key: String, binary value: [UInt8]) {
        state.withLock { $0.initialMetadata.add(key, binary: value) }
    }

    /// Adds metadata to the trailers sent with the status.
    public func addTrailingMetadata(_ key: String, _ value: String) {
        state.withLock { $0.trailingMetadata.add(key, value) }
    }

    /// Adds binary (`-bin`) metadata to the trailers.
    public func addTrailingMetadata(_ key: String, binary value: [UInt8]) {
        state.withLock { $0.trailingMetadata.add(key, binary: value) }
    }

    /// Compress response messages with gzip when the client accepts it.
    public var compressResponses: Bool {
        get { state.withLock { $0.compressResponses } }
        set { state.withLock { $0.compressResponses = newValue } }
    }

    /// Whether the (first) request message arrived compressed.
    public var requestWasCompressed: Bool {
        state.withLock { $0.requestWasCompressed }
    }

    func recordRequestCompression(_ compressed: Bool) {
        state.withLock { $0.requestWasCompressed = compressed }
    }

    var initialMetadata: Metadata { state.withLock { $0.initialMetadata } }
    var trailingMetadata: Metadata { state.withLock { $0.trailingMetadata } }
}

import Protobuf

/// The four shapes of a gRPC call.
public enum RPCKind: Sendable, Hashable {
    case unary
    case serverStreaming
    case clientStreaming
    case bidirectionalStreaming

    /// Whether the client sends a stream of requests.
    public var isClientStreaming: Bool { self == .clientStreaming || self == .bidirectionalStreaming }
}

/// What a method's `.proto` declares about its side effects
/// (`option idempotency_level`, google.protobuf.MethodOptions).
public enum RPCIdempotency: Sendable, Hashable {
    /// Not declared: assume the method changes data.
    case unknown
    /// Running it twice has the effect of running it once.
    case idempotent
    /// It changes nothing (a read).
    case noSideEffects
}

/// Describes one method: its path, shape and message types. Generated code
/// declares one per RPC (`CatalogService.Method.getProduct`).
public struct RPCMethod<Request: ProtobufMessage, Response: ProtobufMessage>: Sendable, Hashable {
    /// The fully qualified service name, `restaurant.catalog.v1.CatalogService`.
    public let service: String
    /// The method name, `GetProduct`.
    public let name: String
    public let kind: RPCKind
    public let idempotency: RPCIdempotency

    public init(service: String, name: String, kind: RPCKind, idempotency: RPCIdempotency = .unknown) {
        self.service = service
        self.name = name
        self.kind = kind
        self.idempotency = idempotency
    }

    /// The HTTP/2 `:path`, `/restaurant.catalog.v1.CatalogService/GetProduct`.
    public var path: String { "/\(service)/\(name)" }
}

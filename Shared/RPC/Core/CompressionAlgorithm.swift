/// Message compression gRPC negotiates with `grpc-encoding` and
/// `grpc-accept-encoding`.
public enum CompressionAlgorithm: String, Sendable, Hashable, CaseIterable {
    case identity
    case gzip

    /// The `grpc-accept-encoding` value this implementation sends.
    static let acceptEncodingHeader = "gzip,identity"

    /// Whether a `grpc-accept-encoding` value names gzip.
    static func isGzipAccepted(by header: String?) -> Bool {
        header?.split(separator: ",").contains { $0.trimmingHTTPWhitespace.lowercased() == "gzip" } ?? false
    }
}

/// Message compression gRPC negotiates with `grpc-encoding` and
/// `grpc-accept-encoding`.
public enum CompressionAlgorithm: String, Sendable, Hashable, CaseIterable {
    case identity
    case gzip

    /// The `grpc-accept-encoding` value this implementation sends.
    static let acceptEncodingHeader = "gzip,identity"

    /// Algorithms named in a `grpc-accept-encoding` value that this
    /// implementation supports.
    static func accepted(by header: String?) -> Set<CompressionAlgorithm> {
        guard let header else { return [.identity] }
        var result: Set<CompressionAlgorithm> = [.identity]
        for name in header.split(separator: ",") {
            if let algorithm = CompressionAlgorithm(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) {
                result.insert(algorithm)
            }
        }
        return result
    }
}

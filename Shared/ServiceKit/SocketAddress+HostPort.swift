import NIOCore

extension SocketAddress {
    /// `127.0.0.1:50051`, `[::1]:50051`: as LISTEN_ADDR and clients write it.
    var hostPort: String {
        let host = ipAddress ?? "?"
        return "\(host.contains(":") ? "[\(host)]" : host):\(port ?? 0)"
    }
}

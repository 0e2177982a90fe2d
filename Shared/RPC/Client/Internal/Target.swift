/// Where a channel connects: `host:port`, `[v6]:port`, or `dns:///host:port`.
struct Target: Sendable, Hashable, CustomStringConvertible {
    let host: String
    let port: Int

    init(parsing text: String) throws {
        var rest = Substring(text)
        for scheme in ["dns:///", "dns:", "ipv4:", "ipv6:"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        let host: Substring
        let port: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw RPCError(.invalidArgument, "invalid target '\(text)': unclosed '['") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw RPCError(.invalidArgument, "invalid target '\(text)': missing port") }
            port = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw RPCError(.invalidArgument, "invalid target '\(text)': expected host:port") }
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw RPCError(.invalidArgument, "invalid target '\(text)': empty host") }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw RPCError(.invalidArgument, "invalid target '\(text)': port must be 1-65535")
        }
        self.host = String(host)
        self.port = number
    }

    /// The `:authority` header value.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    var description: String { authority }
}

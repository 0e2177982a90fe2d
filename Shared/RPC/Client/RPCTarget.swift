/// Where a channel connects: `host:port`, `[v6]:port`, or `dns:///host:port`
/// (the `dns:`, `ipv4:` and `ipv6:` schemes of gRPC's naming are accepted).
public struct RPCTarget: Sendable, Hashable, CustomStringConvertible {
    /// Why a target was refused, in words fit for a user.
    public struct ParseError: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public let host: String
    public let port: Int

    /// Parses `text`, or throws saying what is wrong with it.
    public init(parsing text: String) throws(ParseError) {
        var rest = Substring(text)
        for scheme in ["dns:///", "dns:", "ipv4:", "ipv6:"] where rest.hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        let host: Substring
        let port: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ParseError(reason: "unclosed '['") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { throw ParseError(reason: "missing port (expected [host]:port)") }
            port = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else {
                throw ParseError(reason: "expected host:port, like localhost:50051")
            }
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ParseError(reason: "empty host (expected host:port, like localhost:50051)") }
        guard host.allSatisfy({ !$0.isWhitespace && $0 != "/" }) else { throw ParseError(reason: "bad host '\(host)'") }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw ParseError(reason: "port must be a number from 1 to 65535")
        }
        self.host = String(host)
        self.port = number
    }

    /// The `:authority` header value.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { authority }
}

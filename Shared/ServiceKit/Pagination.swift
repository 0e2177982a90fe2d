import Foundation
import RPC

/// The contract's paging conventions: `page_size` defaults to 20 and is
/// clamped to 100; `page_token` is opaque to clients.
public enum PageSize {
    public static let defaultSize = 20
    public static let maximum = 100

    /// The page size to use for a request's `page_size`.
    public static func resolve(_ requested: Int32) throws(RPCError) -> Int {
        guard requested >= 0 else { throw RPCError(.invalidArgument, "page_size must not be negative") }
        return requested == 0 ? defaultSize : min(Int(requested), maximum)
    }
}

/// An opaque, stable page token: a keyset position (the sort key of the last
/// row returned) plus a fingerprint of the query it belongs to, so a token
/// cannot be replayed against different filters. Keyset positions stay
/// valid while rows are inserted, unlike offsets.
public struct PageToken<Position: Codable & Sendable>: Sendable {
    public let position: Position

    public init(position: Position) {
        self.position = position
    }

    private struct Envelope: Codable {
        var p: Position
        var q: String
    }

    /// The token's text for a response's `next_page_token`.
    public func encoded(query: String) -> String {
        let data = try! JSONEncoder().encode(Envelope(p: position, q: Self.fingerprint(query)))
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes a request's `page_token`; nil for the first page.
    /// - Parameter query: a description of the request's filters and order;
    ///   a token from a different query is refused.
    public static func decode(_ token: String, query: String) throws(RPCError) -> PageToken? {
        guard !token.isEmpty else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.count <= 1024, let data = Data(base64Encoded: base64),
              let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else {
            throw RPCError(.invalidArgument, "page_token is invalid")
        }
        guard envelope.q == fingerprint(query) else {
            throw RPCError(.invalidArgument, "page_token is invalid: it belongs to a request with different filters or sort")
        }
        return PageToken(position: envelope.p)
    }

    /// A short, stable digest (FNV-1a) of the query description.
    private static func fingerprint(_ query: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in query.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 36)
    }
}

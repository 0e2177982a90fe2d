/// One HTTP/2 header field.
public struct HTTP2Header: Sendable, Hashable {
    public var name: String
    public var value: String
    /// Asks HPACK never to index the field (credentials, tokens), so it cannot
    /// be recovered through compression side channels.
    public var isSensitive: Bool

    public init(_ name: String, _ value: String, isSensitive: Bool = false) {
        self.name = name
        self.value = value
        self.isSensitive = isSensitive
    }
}

/// A complete header block received on a stream.
public struct HTTP2HeaderBlock: Sendable {
    /// What the block is, in the stream's life.
    public enum Kind: Sendable, Equatable {
        /// A request's headers (server side).
        case request
        /// A response's headers (client side), including trailers-only responses.
        case response
        /// Informational (1xx) response headers.
        case informational
        /// Trailers after a body, or any later header block.
        case trailers
    }

    public var kind: Kind
    public var fields: [HTTP2Header]
    /// The block's size as HTTP/2 counts it (name + value + 32 per field).
    public var size: Int
    /// True when `size` exceeded the session's header list limit; fields past
    /// the limit were dropped.
    public var exceededLimit: Bool
    /// Whether the stream ends with this block.
    public var endsStream: Bool

    /// The first value of `name`, which must be lowercase.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }
}

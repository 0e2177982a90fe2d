/// A unary call's response with the metadata that came with it.
public struct RPCUnaryResponse<Message: Sendable>: Sendable {
    public var message: Message
    /// Custom metadata from the response headers.
    public var initialMetadata: Metadata
    /// Custom metadata from the trailers.
    public var trailingMetadata: Metadata
}

/// Bounds applied to untrusted input before protobuf-c sees it.
public struct DecodingLimits: Sendable, Hashable {
    /// The largest encoded message accepted, in bytes. Checked before any
    /// allocation.
    public var maxMessageSize: Int
    /// The deepest nesting of messages accepted. Bounds recursion in
    /// protobuf-c and in the conversion to Swift values.
    public var maxDepth: Int

    public init(maxMessageSize: Int = 4 * 1024 * 1024, maxDepth: Int = 100) {
        precondition(maxMessageSize >= 0, "maxMessageSize must not be negative")
        precondition(maxDepth >= 1, "maxDepth must be at least 1")
        self.maxMessageSize = maxMessageSize
        self.maxDepth = maxDepth
    }

    /// 4 MiB and a depth of 100, the gRPC defaults.
    public static let `default` = DecodingLimits()
}

/// Bounds applied to untrusted input before protobuf-c sees it.
public struct DecodingLimits: Sendable, Hashable {
    /// The largest encoded message accepted, in bytes. Checked before any
    /// allocation.
    public var maxMessageSize: Int
    /// The deepest nesting of messages accepted. Bounds recursion in
    /// protobuf-c and in the conversion to Swift values.
    public var maxDepth: Int
    /// The most memory protobuf-c may allocate to unpack one message,
    /// estimated from the input before anything is allocated. Small inputs
    /// can need much more than their size (every empty nested message is a
    /// whole C struct); this bounds that amplification.
    public var maxUnpackedSize: Int

    /// - Parameter maxUnpackedSize: defaults to 16 times `maxMessageSize`
    ///   plus 1 MiB, or `Int.max` where that does not fit.
    public init(maxMessageSize: Int = 4 * 1024 * 1024, maxDepth: Int = 100, maxUnpackedSize: Int? = nil) {
        precondition(maxMessageSize >= 0, "maxMessageSize must not be negative")
        precondition(maxDepth >= 1, "maxDepth must be at least 1")
        self.maxMessageSize = maxMessageSize
        self.maxDepth = maxDepth
        let (scaled, overflowed) = maxMessageSize.multipliedReportingOverflow(by: 16)
        let (total, overflowedAgain) = scaled.addingReportingOverflow(1024 * 1024)
        self.maxUnpackedSize = maxUnpackedSize ?? (overflowed || overflowedAgain ? .max : total)
    }

    /// 4 MiB and a depth of 100, the gRPC defaults; at most 65 MiB unpacked.
    public static let `default` = DecodingLimits()

    /// For descriptor sets (`protoc` output, reflection answers): input from
    /// tools, which can be far larger than any request; 256 MiB.
    public static let descriptorSets = DecodingLimits(maxMessageSize: 256 * 1024 * 1024, maxDepth: 100)
}

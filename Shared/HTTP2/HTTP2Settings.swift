/// The local side's HTTP/2 settings and limits.
public struct HTTP2Settings: Sendable, Hashable {
    /// SETTINGS_MAX_CONCURRENT_STREAMS the peer may open to us.
    public var maxConcurrentStreams: Int
    /// SETTINGS_INITIAL_WINDOW_SIZE: how much each stream may send before we
    /// acknowledge consumption.
    public var initialStreamWindowSize: Int
    /// The connection-level receive window.
    public var connectionWindowSize: Int
    /// SETTINGS_MAX_FRAME_SIZE.
    public var maxFrameSize: Int
    /// SETTINGS_MAX_HEADER_LIST_SIZE, also enforced on received blocks.
    public var maxHeaderListSize: Int

    public init(maxConcurrentStreams: Int = 256,
                initialStreamWindowSize: Int = 4 * 1024 * 1024,
                connectionWindowSize: Int = 16 * 1024 * 1024,
                maxFrameSize: Int = 64 * 1024,
                maxHeaderListSize: Int = 16 * 1024) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialStreamWindowSize = initialStreamWindowSize
        self.connectionWindowSize = connectionWindowSize
        self.maxFrameSize = maxFrameSize
        self.maxHeaderListSize = maxHeaderListSize
    }
}

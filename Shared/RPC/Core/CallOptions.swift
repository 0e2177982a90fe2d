/// Per-call settings for a client call.
public struct CallOptions: Sendable {
    /// How long the call may take, from when it starts. Combined with
    /// ``deadline`` and any deadline inherited from the handler making the
    /// call; the earliest wins.
    public var timeout: Duration?
    /// An absolute deadline for the call.
    public var deadline: ContinuousClock.Instant?
    /// Custom metadata sent with the request headers.
    public var metadata: Metadata
    /// Compression for request messages (`grpc-encoding`). Responses are
    /// decompressed whatever the server picks.
    public var compression: CompressionAlgorithm
    /// Wait for a connection instead of failing fast with UNAVAILABLE while
    /// none can be made (until the deadline).
    public var waitForReady: Bool

    public init(timeout: Duration? = nil,
                deadline: ContinuousClock.Instant? = nil,
                metadata: Metadata = Metadata(),
                compression: CompressionAlgorithm = .identity,
                waitForReady: Bool = false) {
        self.timeout = timeout
        self.deadline = deadline
        self.metadata = metadata
        self.compression = compression
        self.waitForReady = waitForReady
    }

    /// The deadline this call must meet: the earliest of its own deadline,
    /// its timeout from `now`, and the deadline of the call being handled.
    func effectiveDeadline(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        [deadline, timeout.map { now + $0 }, RPCDeadline.current].compactMap { $0 }.min()
    }
}

/// The deadline of the call the current task is handling, so calls a
/// handler makes to other services inherit it.
public enum RPCDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?
}
